using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Facilities.Api.Tests.Contributors;

/// <summary>
/// Refusals the framework makes before any handler runs (authorization, binding, routing, content negotiation) are
/// problem+json with a detail that says what is wrong, like every refusal a handler makes.
/// </summary>
public sealed class RefusalTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task Missing_expired_and_tampered_bearer_tokens_are_401_problems_that_say_which()
    {
        var account = await fixture.RegisterAsync();
        var token = account.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        var tampered = token[..^8] + (token[^8] == 'A' ? 'B' : 'A') + token[^7..];

        Assert.Contains("needs a bearer token", await DetailAsync(fixture.Anonymous, null), StringComparison.Ordinal);
        Assert.Contains("expired", await DetailAsync(fixture.Anonymous, ExpiredToken(account.Id)), StringComparison.Ordinal);
        Assert.Contains("not issued by this service", await DetailAsync(fixture.Anonymous, tampered), StringComparison.Ordinal);
        Assert.Contains("not issued by this service", await DetailAsync(fixture.Anonymous, "not-a-token"), StringComparison.Ordinal);

        async Task<string> DetailAsync(HttpClient client, string? bearer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
            if (bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            using var response = await client.SendAsync(request);
            var problem = await response.IsProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            return Detail(problem);
        }
    }

    [Fact]
    public async Task A_normal_user_on_moderator_and_admin_endpoints_gets_a_403_problem_naming_the_role()
    {
        var user = await fixture.RegisterAsync();
        var reviews = await (await user.Client.GetAsync("/api/v1/reviews")).IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("moderators", Detail(reviews), StringComparison.Ordinal);
        var partners = await (await user.Client.PostAsync("/api/v1/admin/partners", Json("""{"name":"Borough"}""")))
            .IsProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("admins", Detail(partners), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> UnbindableBodies => new()
    {
        { """{"email":5,"password":"a long enough password"}""", "email" },
        { """{"email":["a@b.test"]}""", "email" },
        { "[]", "body" },
        { "42", "body" },
        { """{"email":"a@b.test","pass""", "body" },
        { """{"email":"a@b.test",}""", "body" },
        // Nested far beyond the reader's depth, within the auth endpoints' 16 KB (a larger body is a 413 unread).
        { new string('[', 5_000) + new string(']', 5_000), "body" },
        { "{\"a\":" + string.Concat(Enumerable.Repeat("{\"a\":", 2_000)) + "1" + new string('}', 2_001), "body" },
    };

    [Theory]
    [MemberData(nameof(UnbindableBodies))]
    public async Task A_body_that_does_not_bind_is_a_400_problem_naming_the_field(string body, string field)
    {
        var problem = await (await fixture.Anonymous.PostAsync("/api/v1/auth/register", Json(body))).IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(Detail(problem)));
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), problem.ToString());
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Facilities.", problem.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(messages.EnumerateArray());
    }

    [Fact]
    public async Task Unmatched_routes_wrong_methods_and_wrong_content_types_are_problems_with_a_detail()
    {
        Assert.Contains("/api/v1/nothing-here", Detail(await (await fixture.Anonymous.GetAsync("/api/v1/nothing-here"))
            .IsProblemAsync(HttpStatusCode.NotFound)), StringComparison.Ordinal);
        Assert.Contains("DELETE", Detail(await (await fixture.Anonymous.DeleteAsync("/api/v1/auth/login"))
            .IsProblemAsync(HttpStatusCode.MethodNotAllowed)), StringComparison.Ordinal);
        var plain = new StringContent("""{"email":"a@b.test","password":"x"}""", Encoding.UTF8, "text/plain");
        Assert.Contains("text/plain", Detail(await (await fixture.Anonymous.PostAsync("/api/v1/auth/login", plain))
            .IsProblemAsync(HttpStatusCode.UnsupportedMediaType)), StringComparison.Ordinal);
    }

    private static string Detail(JsonElement problem)
    {
        var detail = problem.GetProperty("detail").GetString();
        Assert.False(string.IsNullOrWhiteSpace(detail), problem.ToString());
        return detail!;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A token the service's own protector made, whose lifetime ended a minute ago.</summary>
    private string ExpiredToken(Guid user)
    {
        var options = fixture.App.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.ToString())], BearerTokenDefaults.AuthenticationScheme));
        var ticket = new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddMinutes(-1) },
            $"{BearerTokenDefaults.AuthenticationScheme}:AccessToken");
        return options.BearerTokenProtector.Protect(ticket);
    }
}
