using System.Text.RegularExpressions;
using Facilities.Api.Data;
using Facilities.Api.Features.Imports;
using Facilities.Api.Features.Moderation;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Facilities.Testing;

namespace Facilities.Api.Tests.Writing;

/// <summary>
/// The database and the code name states alike: each state or kind column's check constraint allows exactly the names
/// its enum maps to (WireName), so a member added on one side only, or spelt differently, fails here rather than as a
/// refused insert in production.
/// </summary>
public sealed partial class StateNamesTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    public static TheoryData<string, string, string[]> Columns => new()
    {
        { "facilities", "status", [.. WireName.All<FacilityStatus>()] },
        { "change_feed", "kind", [.. WireName.All<FacilityChangeKind>()] },
        { "proposals", "kind", [.. WireName.All<ProposalKind>()] },
        { "proposals", "state", [.. WireName.All<ProposalState>()] },
        { "votes", "vote", [.. WireName.All<VoteDirection>()] },
        { "reports", "reason", [.. WireName.All<ReportReason>()] },
        { "review_items", "kind", [.. WireName.All<ReviewKind>()] },
        { "review_items", "state", [.. WireName.All<ReviewState>()] },
        { "datasets", "kind", [.. WireName.All<DatasetKind>()] },
        { "imports", "state", [.. WireName.All<ImportState>()] },
        { "import_records", "outcome", [.. WireName.All<ImportRecordOutcome>()] },
    };

    [Theory]
    [MemberData(nameof(Columns))]
    public async Task A_state_columns_check_constraint_allows_exactly_its_enums_names(string table, string column, string[] names)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select pg_get_constraintdef(c.oid) from pg_constraint c join pg_class t on t.oid = c.conrelid " +
            "where t.relname = $1 and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%(' || $2 || ' = ANY%'");
        command.Parameters.AddWithValue(table);
        command.Parameters.AddWithValue(column);
        var definition = (string?)await command.ExecuteScalarAsync();

        Assert.NotNull(definition);
        var allowed = QuotedName().Matches(definition).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(names.Order(StringComparer.Ordinal), allowed);
    }

    [GeneratedRegex("'([a-z_]+)'::text")]
    private static partial Regex QuotedName();
}
