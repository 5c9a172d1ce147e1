using System.Text.RegularExpressions;
using Facilities.Api.Data;
using Facilities.Api.Features.Claims;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Imports;
using Facilities.Api.Features.Moderation;
using Facilities.Api.Features.Photos;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using Facilities.Testing;

namespace Facilities.Tests;

/// <summary>
/// SQL text may name a state as a literal (a partial index such as <c>where state = 'pending'</c> is used only by a
/// query that names the same constant): every such name, in the API's statements and in the migrations, must be a
/// name of the enum for that column, so the enums stay the one mapping and a misspelt state fails here instead of
/// silently matching no row. A name spliced in from its enum (<c>'{FacilityStatus.Removed.Name()}'</c>) is the
/// mapping itself and is not read.
/// </summary>
public sealed partial class SqlStateNamesTests
{
    /// <summary>A column name as statements write it, and the enums of the tables that have such a column.</summary>
    private static readonly Dictionary<string, HashSet<string>> NamesByColumn = new()
    {
        ["state"] = [.. WireName.All<ProposalState>(), .. WireName.All<ReviewState>(), .. WireName.All<ImportState>(), .. WireName.All<PhotoState>(),
            .. WireName.All<ClaimState>()],
        ["status"] = [.. WireName.All<FacilityStatus>()],
        ["kind"] = [.. WireName.All<ProposalKind>(), .. WireName.All<ReviewKind>(), .. WireName.All<DatasetKind>(),
            .. WireName.All<FacilityChangeKind>()],
        ["outcome"] = [.. WireName.All<MatchOutcome>(), .. WireName.All<ImportRecordOutcome>()],
        ["vote"] = [.. WireName.All<VoteDirection>()],
        ["reason"] = [.. WireName.All<ReportReason>(), .. WireName.All<ReputationReason>(), .. WireName.All<PhotoReportReason>()],
    };

    [Fact]
    public void Every_state_named_in_sql_text_is_a_name_of_its_enum()
    {
        var api = Path.Combine(RepositoryPaths.Root, "src", "Facilities.Api");
        var files = Directory.EnumerateFiles(api, "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(api, "Data", "Migrations"), "*.sql"))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var found = files.SelectMany(f => Literals(File.ReadAllText(f)).Select(l => (File: Path.GetRelativePath(api, f), l.Column, l.Name))).ToList();

        // Enough that the scan is reading the statements, not passing for want of any.
        Assert.True(found.Count > 50, $"only {found.Count} state literals found");
        Assert.Empty(found.Where(l => !NamesByColumn[l.Column].Contains(l.Name)).Select(l => $"{l.File}: {l.Column} '{l.Name}'"));
    }

    [Fact]
    public void The_scan_reads_comparisons_and_lists_and_flags_a_misspelt_state()
    {
        var literals = Literals("where p.state = 'acepted' and f.status <> 'removed' and i.state in ('queued', 'running') " +
                                "and f.status <> '{FacilityStatus.Removed.Name()}'").ToList();

        Assert.Equal([("state", "acepted"), ("status", "removed"), ("state", "queued"), ("state", "running")], literals);
        Assert.DoesNotContain("acepted", NamesByColumn["state"]);
    }

    private static IEnumerable<(string Column, string Name)> Literals(string text)
    {
        foreach (Match m in Comparison().Matches(text))
        {
            yield return (m.Groups["column"].Value, m.Groups["name"].Value);
        }
        foreach (Match m in List().Matches(text))
        {
            foreach (Match name in Quoted().Matches(m.Groups["names"].Value))
            {
                yield return (m.Groups["column"].Value, name.Groups[1].Value);
            }
        }
    }

    [GeneratedRegex(@"\b(?<column>state|status|kind|outcome|vote|reason)\s*(?:=|<>|!=)\s*'(?<name>[^'{][^']*)'")]
    private static partial Regex Comparison();

    [GeneratedRegex(@"\b(?<column>state|status|kind|outcome|vote|reason)\s+(?:not\s+)?in\s*\((?<names>\s*'[^']*'(?:\s*,\s*'[^']*')*\s*)\)")]
    private static partial Regex List();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();
}
