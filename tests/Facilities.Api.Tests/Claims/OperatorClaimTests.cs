using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Tests.Contributors;

namespace Facilities.Api.Tests.Claims;

/// <summary>
/// Operator claims through HTTP: an account claims attributes of a facility it runs, a moderator approves, and the
/// operator's edits of those attributes apply at once while the community's become disputes; the operator reads the
/// reports on its facility; revoking ends the ownership at once.
/// </summary>
public sealed class OperatorClaimTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private const string Weekdays = "Mo-Fr 08:00-18:00";
    private const string EveryDay = "Mo-Su 07:00-22:00";
    private static readonly string[] HoursAndAccess = ["opening_hours", "access"];
    private static readonly string[] HoursOnly = ["opening_hours"];

    [Fact]
    public async Task A_claimed_facilitys_operator_changes_its_hours_at_once()
    {
        var facility = await HoursFacilityAsync();
        var operatorAccount = await fixture.RegisterAsync();

        // Before any claim, the same edit by a new account waits for votes.
        var before = await UpdateAsync(operatorAccount, facility, new { opening_hours = EveryDay });
        Assert.Equal("pending", before.GetProperty("state").GetString());

        var claim = await ClaimAsync(operatorAccount, facility, ["opening_hours"]);
        Assert.Equal("pending", claim.GetProperty("state").GetString());
        Assert.Equal(["opening_hours"], Strings(claim.GetProperty("attributes")));
        await DecideAsync(fixture.Admin, claim, "approve", new { note = "Checked with the café" });

        var edit = await UpdateAsync(operatorAccount, facility, new { opening_hours = "Mo-Sa 09:00-17:00" });
        Assert.Equal("accepted", edit.GetProperty("state").GetString());
        Assert.Equal("Mo-Sa 09:00-17:00", (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());

        // What it does not own still goes the usual way for an account of its reputation.
        var name = await UpdateAsync(operatorAccount, facility, new { name = "Café toilets" });
        Assert.Equal("pending", name.GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_community_edit_of_an_operator_owned_attribute_opens_a_dispute()
    {
        var facility = await HoursFacilityAsync();
        var operatorAccount = await fixture.RegisterAsync();
        var claim = await ClaimAsync(operatorAccount, facility, ["opening_hours"]);
        await DecideAsync(fixture.Admin, claim, "approve");

        // An account whose updates would apply at once: on an owned attribute its edit needs others' votes.
        var community = await fixture.RegisterAsync(reputation: 1000);
        var proposal = await UpdateAsync(community, facility, new { opening_hours = EveryDay });
        Assert.Equal("pending", proposal.GetProperty("state").GetString());
        Assert.Equal(["opening_hours"], Strings(proposal.GetProperty("disputed_attributes")));
        Assert.Equal(0, proposal.GetProperty("author_weight").GetDouble());

        var (status, vote) = await ContributorsFixture.VoteAsync(fixture.Admin, proposal.GetProperty("id").GetGuid(), "up");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("accepted", vote.GetProperty("state").GetString());
        Assert.Equal(Weekdays, (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());

        var reviews = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/reviews?kind=dispute");
        var dispute = Assert.Single(reviews.GetProperty("items").EnumerateArray(),
            i => i.GetProperty("facility_id").GetString() == facility.ToString());
        Assert.Equal(claim.GetProperty("id").GetGuid(), dispute.GetProperty("claim_id").GetGuid());
        var details = dispute.GetProperty("details");
        Assert.Equal("opening_hours", details.GetProperty("attribute").GetString());
        Assert.Equal("operator", details.GetProperty("owner").GetString());
        Assert.Equal(Weekdays, details.GetProperty("partner_value").GetString());
        Assert.Equal(EveryDay, details.GetProperty("community_value").GetString());

        var seen = await operatorAccount.Client.GetFromJsonAsync<JsonElement>($"/api/v1/me/claims/{claim.GetProperty("id")}/reports");
        var theirs = Assert.Single(seen.GetProperty("disputes").EnumerateArray());
        Assert.Equal(EveryDay, theirs.GetProperty("community_value").GetString());
        Assert.Equal("open", theirs.GetProperty("state").GetString());

        // The moderator sides with the community: its value is written.
        await ContributorsFixture.PostAsync(fixture.Admin, $"/api/v1/reviews/{dispute.GetProperty("id")}/resolve",
            new { action = "keep_community", comment = "The sign at the door says so" }, HttpStatusCode.OK);
        Assert.Equal(EveryDay, (await fixture.FacilityAsync(facility)).GetProperty("opening_hours").GetString());
    }

    [Fact]
    public async Task A_claim_approved_then_revoked_ends_the_ownership_at_once()
    {
        var facility = await HoursFacilityAsync();
        var operatorAccount = await fixture.RegisterAsync();
        var claim = await ClaimAsync(operatorAccount, facility, ["status", "opening_hours"]);
        // status is owned with the date a temporary closure ends.
        Assert.Equal(["opening_hours", "status", "status_until"], Strings(claim.GetProperty("attributes")));
        await DecideAsync(fixture.Admin, claim, "approve");

        var closure = await ContributorsFixture.ProposeAsync(operatorAccount, new
        {
            kind = "close",
            facility_id = facility,
            status_until = DateTime.UtcNow.AddDays(3).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            comment = "Closed for repairs until Friday",
        });
        Assert.Equal("accepted", closure.GetProperty("state").GetString());
        Assert.Equal("temporarily_closed", (await fixture.FacilityAsync(facility)).GetProperty("status").GetString());

        var revoked = await DecideAsync(operatorAccount, claim, "revoke", new { reason = "We no longer run this café" });
        Assert.Equal("revoked", revoked.GetProperty("state").GetString());
        Assert.Equal("We no longer run this café", revoked.GetProperty("decision_note").GetString());

        var afterwards = await UpdateAsync(operatorAccount, facility, new { opening_hours = EveryDay });
        Assert.Equal("pending", afterwards.GetProperty("state").GetString());
        var community = await UpdateAsync(await fixture.RegisterAsync(reputation: 1000), facility, new { opening_hours = "24/7" });
        Assert.Equal("accepted", community.GetProperty("state").GetString());
        Assert.Empty(community.GetProperty("disputed_attributes").EnumerateArray());

        var mine = await operatorAccount.Client.GetFromJsonAsync<JsonElement>("/api/v1/me/claims");
        Assert.Equal("revoked", Assert.Single(mine.GetProperty("claims").EnumerateArray()).GetProperty("state").GetString());
        using var again = await operatorAccount.Client.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id")}/revoke", new { reason = "again" });
        await again.IsProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_rejected_claim_owns_nothing_and_its_operator_reads_the_reason()
    {
        var facility = await HoursFacilityAsync();
        var claimant = await fixture.RegisterAsync();
        var claim = await ClaimAsync(claimant, facility, ["opening_hours"]);

        var queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/claims?status=pending");
        var queued = Assert.Single(queue.GetProperty("claims").EnumerateArray(), c => c.GetProperty("id").GetGuid() == claim.GetProperty("id").GetGuid());
        Assert.Equal("+44 20 7946 0000", queued.GetProperty("contact").GetString());

        var rejected = await DecideAsync(fixture.Admin, claim, "reject", new { reason = "The café is two doors down" });
        Assert.Equal("rejected", rejected.GetProperty("state").GetString());
        var mine = await claimant.Client.GetFromJsonAsync<JsonElement>("/api/v1/me/claims");
        var listed = Assert.Single(mine.GetProperty("claims").EnumerateArray());
        Assert.Equal("rejected", listed.GetProperty("state").GetString());
        Assert.Equal("The café is two doors down", listed.GetProperty("decision_note").GetString());

        Assert.Equal("pending", (await UpdateAsync(claimant, facility, new { opening_hours = EveryDay })).GetProperty("state").GetString());
        using var late = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id")}/approve", new { });
        Assert.Contains("rejected", (await late.IsProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var reports = await claimant.Client.GetAsync($"/api/v1/me/claims/{claim.GetProperty("id")}/reports");
        await reports.IsProblemAsync(HttpStatusCode.Conflict);

        // A rejected claim is no longer open: the account may claim again.
        Assert.Equal("pending", (await ClaimAsync(claimant, facility, ["opening_hours"])).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_second_open_claim_and_a_claim_of_what_another_operator_owns_are_409s_naming_it()
    {
        var facility = await HoursFacilityAsync();
        var first = await fixture.RegisterAsync();
        var claim = await ClaimAsync(first, facility, ["opening_hours", "fee"]);

        using (var twice = await first.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/claims", Body(["wheelchair"])))
        {
            Assert.Contains("pending", (await twice.IsProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        await DecideAsync(fixture.Admin, claim, "approve");

        var second = await fixture.RegisterAsync();
        using (var owned = await second.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/claims", Body(["charge", "wheelchair"])))
        {
            var problem = await owned.IsProblemAsync(HttpStatusCode.Conflict);
            Assert.Equal("Owned already", problem.GetProperty("title").GetString());
            Assert.Equal("An approved operator owns charge, fee of this facility already.", problem.GetProperty("detail").GetString());
        }
        // What nobody owns may be claimed by another operator.
        Assert.Equal("pending", (await ClaimAsync(second, facility, ["wheelchair"])).GetProperty("state").GetString());

        using var chinese = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/facilities/{facility}/claims") { Content = JsonContent.Create(Body(["opening_hours"])) };
        chinese.Headers.TryAddWithoutValidation("Accept-Language", "zh-Hans");
        using var refused = await (await fixture.RegisterAsync()).Client.SendAsync(chinese);
        Assert.Equal("此设施的 opening_hours 已由一位经批准的管理方管理。", (await refused.IsProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Only_moderators_approve_reject_or_list_claims_and_only_the_operator_or_a_moderator_revokes()
    {
        var facility = await HoursFacilityAsync();
        var claimant = await fixture.RegisterAsync();
        var claim = await ClaimAsync(claimant, facility, ["access"]);
        var someone = await fixture.RegisterAsync(reputation: 1000);

        foreach (var (url, body) in new (string, object)[]
                 {
                     ($"/api/v1/claims/{claim.GetProperty("id")}/approve", new { }),
                     ($"/api/v1/claims/{claim.GetProperty("id")}/reject", new { reason = "no" }),
                 })
        {
            using var mine = await claimant.Client.PostAsJsonAsync(url, body);
            await mine.IsProblemAsync(HttpStatusCode.Forbidden);
            using var other = await someone.Client.PostAsJsonAsync(url, body);
            await other.IsProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var queue = await someone.Client.GetAsync("/api/v1/claims?status=pending"))
        {
            await queue.IsProblemAsync(HttpStatusCode.Forbidden);
        }
        using (var anonymous = await fixture.Anonymous.PostAsJsonAsync($"/api/v1/facilities/{facility}/claims", Body(["access"])))
        {
            await anonymous.IsProblemAsync(HttpStatusCode.Unauthorized);
        }
        using (var revoke = await someone.Client.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id")}/revoke", new { reason = "not theirs" }))
        {
            await revoke.IsProblemAsync(HttpStatusCode.NotFound);
        }
        var stillPending = await claimant.Client.GetFromJsonAsync<JsonElement>("/api/v1/me/claims");
        Assert.Equal("pending", Assert.Single(stillPending.GetProperty("claims").EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task The_operator_sees_the_reports_on_its_facility_and_others_do_not()
    {
        var facility = await HoursFacilityAsync();
        var elsewhere = await HoursFacilityAsync();
        var operatorAccount = await fixture.RegisterAsync();
        var claim = await ClaimAsync(operatorAccount, facility, ["status"]);
        var claimId = claim.GetProperty("id").GetGuid();
        using (var early = await operatorAccount.Client.GetAsync($"/api/v1/me/claims/{claimId}/reports"))
        {
            Assert.Contains("pending", (await early.IsProblemAsync(HttpStatusCode.Conflict)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        await DecideAsync(fixture.Admin, claim, "approve");

        var resident = await fixture.RegisterAsync();
        await ContributorsFixture.PostAsync(resident, $"/api/v1/facilities/{facility}/reports", new { reason = "dirty", comment = "No soap since Monday" });
        await ContributorsFixture.PostAsync(resident, $"/api/v1/facilities/{elsewhere}/reports", new { reason = "dirty", comment = "Not this one" });

        var seen = await operatorAccount.Client.GetFromJsonAsync<JsonElement>($"/api/v1/me/claims/{claimId}/reports");
        Assert.Equal(facility, seen.GetProperty("facility_id").GetGuid());
        var report = Assert.Single(seen.GetProperty("reports").EnumerateArray());
        Assert.Equal("dirty", report.GetProperty("reason").GetString());
        Assert.Equal("No soap since Monday", report.GetProperty("comment").GetString());
        Assert.Equal(JsonValueKind.Null, report.GetProperty("response").ValueKind);

        using var other = await resident.Client.GetAsync($"/api/v1/me/claims/{claimId}/reports");
        await other.IsProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("evidence", null, "+44 20 7946 0000", new[] { "opening_hours" })]
    [InlineData("evidence", "   short  ", "+44 20 7946 0000", new[] { "opening_hours" })]
    [InlineData("contact", "We run the café next door since 2019.", "call me maybe", new[] { "opening_hours" })]
    [InlineData("contact", "We run the café next door since 2019.", "12345", new[] { "opening_hours" })]
    [InlineData("contact", "We run the café next door since 2019.", "owner@", new[] { "opening_hours" })]
    [InlineData("attributes", "We run the café next door since 2019.", "owner@cafe.example", new string[0])]
    [InlineData("attributes", "We run the café next door since 2019.", "owner@cafe.example", new[] { "name" })]
    [InlineData("attributes", "We run the café next door since 2019.", "owner@cafe.example", new[] { "fee", "fee" })]
    public async Task A_claim_with_bad_evidence_contact_or_attributes_is_a_400_naming_the_field(string field, string? evidence, string contact, string[] attributes)
    {
        var facility = await HoursFacilityAsync();
        var claimant = await fixture.RegisterAsync();
        using var response = await claimant.Client.PostAsJsonAsync($"/api/v1/facilities/{facility}/claims", new { evidence, contact, attributes });
        var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from operator_claims where facility_id = $1", facility));
    }

    [Fact]
    public async Task A_decision_without_its_reason_or_with_a_note_too_long_is_a_400()
    {
        var facility = await HoursFacilityAsync();
        var claim = await ClaimAsync(await fixture.RegisterAsync(), facility, ["wheelchair"]);
        foreach (var (action, body, field) in new (string, object, string)[]
                 {
                     ("reject", new { }, "reason"),
                     ("reject", new { reason = "  " }, "reason"),
                     ("revoke", new { reason = 12 }, "reason"),
                     ("approve", new { note = new string('x', 2001) }, "note"),
                 })
        {
            using var response = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id")}/{action}", body);
            var problem = await response.IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        using var status = await fixture.Admin.Client.GetAsync("/api/v1/claims?status=open");
        await status.IsProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("pending", await StateAsync(claim));
    }

    [Fact]
    public async Task A_shared_facility_is_reviewed_like_a_create_and_its_claim_waits_for_it()
    {
        var operatorAccount = await fixture.RegisterAsync();
        var shared = await ContributorsFixture.PostAsync(operatorAccount, "/api/v1/shared-facilities", new
        {
            location = new { lat = 31.2304, lon = 121.4737 },
            changes = new { category = "toilet", name = "Bookshop toilets", opening_hours = Weekdays },
            comment = "Our shop's toilet, open to everyone",
            evidence = "We are the bookshop on the ground floor; the toilet is ours.",
            contact = "books@shop.example",
            attributes = HoursAndAccess,
        });
        var proposal = shared.GetProperty("proposal");
        var claim = shared.GetProperty("claim");
        Assert.Equal("create", proposal.GetProperty("kind").GetString());
        Assert.Equal("pending", proposal.GetProperty("state").GetString());
        Assert.Equal("public", proposal.GetProperty("changes").GetProperty("access").GetString());
        Assert.Equal("pending", claim.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, claim.GetProperty("facility_id").ValueKind);

        // Not in the moderators' queue while there is no facility to decide on.
        var queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/claims");
        Assert.DoesNotContain(queue.GetProperty("claims").EnumerateArray(), c => c.GetProperty("id").GetGuid() == claim.GetProperty("id").GetGuid());
        using (var early = await fixture.Admin.Client.PostAsJsonAsync($"/api/v1/claims/{claim.GetProperty("id")}/approve", new { }))
        {
            await early.IsProblemAsync(HttpStatusCode.Conflict);
        }

        var (_, vote) = await ContributorsFixture.VoteAsync(fixture.Admin, proposal.GetProperty("id").GetGuid(), "up");
        Assert.Equal("accepted", vote.GetProperty("state").GetString());
        var facility = (await fixture.Admin.Client.GetFromJsonAsync<JsonElement>($"/api/v1/proposals/{proposal.GetProperty("id")}"))
            .GetProperty("facility_id").GetGuid();
        queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/claims?status=pending");
        var queued = Assert.Single(queue.GetProperty("claims").EnumerateArray(), c => c.GetProperty("id").GetGuid() == claim.GetProperty("id").GetGuid());
        Assert.Equal(facility, queued.GetProperty("facility_id").GetGuid());
        Assert.Equal("Bookshop toilets", queued.GetProperty("facility_name").GetString());

        await DecideAsync(fixture.Admin, claim, "approve");
        Assert.Equal("accepted", (await UpdateAsync(operatorAccount, facility, new { opening_hours = EveryDay })).GetProperty("state").GetString());

        // Once an approved operator, the next facility it shares comes with an approved claim.
        var next = await ContributorsFixture.PostAsync(operatorAccount, "/api/v1/shared-facilities", new
        {
            location = new { lat = 31.2404, lon = 121.4837 },
            changes = new { category = "toilet", name = "Bookshop annex toilets" },
            comment = "Our second shop",
            evidence = "We are the bookshop, now in the annex as well.",
            contact = "+86 21 5555 0100",
            attributes = HoursOnly,
        });
        Assert.Equal("approved", next.GetProperty("claim").GetProperty("state").GetString());
        Assert.Equal("pending", next.GetProperty("proposal").GetProperty("state").GetString());
    }

    private async Task<string> StateAsync(JsonElement claim)
    {
        var queue = await fixture.Admin.Client.GetFromJsonAsync<JsonElement>("/api/v1/claims?status=pending");
        return queue.GetProperty("claims").EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == claim.GetProperty("id").GetGuid())
            .GetProperty("state").GetString()!;
    }

    private Task<Guid> HoursFacilityAsync() =>
        fixture.CreateFacilityAsync(new { category = "toilet", name = "Café toilets", opening_hours = Weekdays, wheelchair = "no" });

    private static object Body(string[] attributes) => new
    {
        evidence = "We run the café this toilet belongs to, since 2019.",
        contact = "+44 20 7946 0000",
        attributes,
    };

    private static Task<JsonElement> ClaimAsync(Account account, Guid facility, string[] attributes) =>
        ContributorsFixture.PostAsync(account, $"/api/v1/facilities/{facility}/claims", Body(attributes));

    private static Task<JsonElement> DecideAsync(Account account, JsonElement claim, string action, object? body = null) =>
        ContributorsFixture.PostAsync(account, $"/api/v1/claims/{claim.GetProperty("id")}/{action}", body ?? new { }, HttpStatusCode.OK);

    private static Task<JsonElement> UpdateAsync(Account account, Guid facility, object changes) =>
        ContributorsFixture.ProposeAsync(account, new { kind = "update", facility_id = facility, changes, comment = "As posted at the door" });

    private static string[] Strings(JsonElement list) => [.. list.EnumerateArray().Select(e => e.GetString()!)];
}
