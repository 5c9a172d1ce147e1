using System.Net;
using System.Net.Http.Json;

namespace Facilities.Api.Tests.Contributors;

/// <summary>Proposed opening hours are read by the evaluator's parser: what it cannot read is a 400 naming where.</summary>
public sealed class OpeningHoursProposalTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Theory]
    [InlineData("9am to 6pm every day", "expected a time at '9am'")]
    [InlineData("7am-9pm weekdays", "expected a time at '7am'")]
    [InlineData("Mo-Fr 25:00-99:00", "expected a time at 'Mo-Fr 25:00'")]
    [InlineData("Mo-Fr 08:00-99:00", "expected a time at 'Mo-Fr 08:00-99:00'")]
    [InlineData("Mo-Fr 08:00-18:00 Sa 10:00-12:00", "expected ';' before 'Sa' at 'Mo-Fr 08:00-18:00 Sa'")]
    public async Task Unreadable_hours_are_a_400_whose_detail_names_the_position_and_nothing_is_proposed(string hours, string position)
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        var before = await fixture.ScalarAsync("select count(*) from proposals");

        using var response = await author.Client.PostAsJsonAsync("/api/v1/proposals", new
        {
            kind = "update",
            facility_id = facility,
            changes = new { opening_hours = hours },
            comment = "New sign",
        });

        var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(position, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(position, problem.GetProperty("errors").GetProperty("changes.opening_hours")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.ScalarAsync("select count(*) from proposals"));
    }

    [Fact]
    public async Task A_create_with_unreadable_hours_is_refused_and_with_readable_hours_is_taken()
    {
        var author = await fixture.RegisterAsync();
        using (var refused = await author.Client.PostAsJsonAsync("/api/v1/proposals", new
        {
            kind = "create",
            location = new { lat = 47.1, lon = 8.5 },
            changes = new { category = "toilet", opening_hours = "9am to 6pm every day" },
            comment = "Seen it",
        }))
        {
            await refused.IsProblemAsync(HttpStatusCode.BadRequest);
        }
        var taken = await ContributorsFixture.ProposeAsync(author, new
        {
            kind = "create",
            location = new { lat = 47.1, lon = 8.5 },
            changes = new { category = "toilet", opening_hours = "Mo-Fr 09:00-18:00; Sa 10:00-14:00; Su off" },
            comment = "Seen it",
        });
        Assert.Equal("pending", taken.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_zh_CN_reader_is_refused_in_Chinese_and_the_position_of_the_fault_survives()
    {
        var facility = await fixture.CreateFacilityAsync();
        var author = await fixture.RegisterAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/proposals")
        {
            Content = JsonContent.Create(new { kind = "update", facility_id = facility, changes = new { opening_hours = "Mo-Fr 08:00-18:00 Sa 10:00-12:00" }, comment = "New sign" }),
        };
        request.Headers.TryAddWithoutValidation("Accept-Language", "zh-CN,zh;q=0.9");

        using var response = await author.Client.SendAsync(request);

        var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("无法识别为营业时间：expected ';' before 'Sa' at 'Mo-Fr 08:00-18:00 Sa'。请按 OpenStreetMap 的写法填写，例如 Mo-Fr 08:00-18:00; Sa 10:00-14:00; Su off。",
            problem.GetProperty("errors").GetProperty("changes.opening_hours")[0].GetString());
        Assert.Equal("请求的参数无效", problem.GetProperty("title").GetString());
    }
}
