using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Web;

namespace Facilities.Api.Tests;

/// <summary>Refusals in the language of Accept-Language: the service's own messages and FluentValidation's.</summary>
public sealed class LocalisedErrorsTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private async Task<(HttpResponseMessage Response, JsonElement Problem)> SignUpAsync(string? language, string email, string password)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register")
        {
            Content = JsonContent.Create(new { email, password, name = "Li" }),
        };
        if (language is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Language", language);
        }
        var response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task A_zh_CN_sign_up_with_a_bad_e_mail_address_is_refused_in_Chinese()
    {
        var (response, problem) = await SignUpAsync("zh-CN,zh;q=0.9,en;q=0.8", "not an address", "correct horse battery");
        const string Chinese = "必须是电子邮件地址，例如 name@example.org：只用 ASCII 字符，不含空格、引号或尖括号，域名中要有点。";
        Assert.Equal(Chinese, problem.GetProperty("errors").GetProperty("email")[0].GetString());
        Assert.Equal("请求的参数无效", problem.GetProperty("title").GetString());
        Assert.Equal("email: " + Chinese, problem.GetProperty("detail").GetString());
        Assert.Equal("zh-Hans", response.Content.Headers.ContentLanguage.Single());
    }

    [Fact]
    public async Task FluentValidations_own_messages_come_in_Chinese_too()
    {
        var (_, problem) = await SignUpAsync("zh-CN", "li@example.org", "short");
        var message = problem.GetProperty("errors").GetProperty("password")[0].GetString()!;
        Assert.Contains(message, c => c is >= '\u4E00' and <= '\u9FFF');
        Assert.Contains("8", message, StringComparison.Ordinal);
        Assert.DoesNotContain("must be at least", message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("en-GB")]
    [InlineData("zh;q=0, en")]
    [InlineData("fr-FR")]
    public async Task Without_a_Chinese_preference_refusals_stay_English(string? language)
    {
        var (response, problem) = await SignUpAsync(language, "not an address", "short");
        Assert.StartsWith("Must be an e-mail address", problem.GetProperty("errors").GetProperty("email")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("8", problem.GetProperty("errors").GetProperty("password")[0].GetString()!, StringComparison.Ordinal);
        Assert.Equal("The request has invalid parameters", problem.GetProperty("title").GetString());
        Assert.Empty(response.Content.Headers.ContentLanguage);
    }

    [Fact]
    public async Task A_query_refusal_and_a_refusal_without_a_handler_are_in_Chinese_for_a_Chinese_reader()
    {
        using var nearby = new HttpRequestMessage(HttpMethod.Get, "/api/v1/facilities/nearby?lat=118.8&lon=32.1");
        nearby.Headers.TryAddWithoutValidation("Accept-Language", "fr;q=0.9, zh-Hans-CN;q=0.8");
        using var answer = await fixture.Client.SendAsync(nearby);
        var problem = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("必须在 -90 到 90 之间（lat 是南北方向的坐标：是不是把 lat 和 lon 写反了？）。",
            problem.GetProperty("errors").GetProperty("lat")[0].GetString());

        using var me = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        me.Headers.TryAddWithoutValidation("Accept-Language", "zh");
        using var unauthorized = await fixture.Client.SendAsync(me);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        var refusal = JsonDocument.Parse(await unauthorized.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("此接口需要持有者令牌：请在 /api/v1/auth/login 登录，并发送 Authorization: Bearer <access_token>。",
            refusal.GetProperty("detail").GetString());
    }

    [Fact]
    public void Every_translation_keeps_the_placeholders_of_its_English_message_and_fills_them()
    {
        foreach (var (en, zh) in ProblemMessages.Table)
        {
            var inEnglish = ProblemMessages.Placeholder().Matches(en).Select(m => m.Value).Order();
            var inChinese = ProblemMessages.Placeholder().Matches(zh).Select(m => m.Value).Order();
            Assert.Equal(inEnglish, inChinese);
            Assert.Contains(zh, c => c is >= '\u4E00' and <= '\u9FFF');
        }
        Assert.Equal("必须是 1 到 50 之间的整数。", ProblemMessages.ToChinese("Must be a whole number from 1 to 50."));
        Assert.Equal("An English message the table does not know.", ProblemMessages.ToChinese("An English message the table does not know."));
    }
}
