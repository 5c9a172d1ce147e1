using System.Text.Json.Nodes;
using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

public sealed record VoteView(Guid VoterId, string VoterName, string Vote, double Weight, string? Comment, DateTime CreatedAt);

public sealed record PossibleDuplicate(Guid Id, string? Name, double DistanceM);

/// <summary>A proposal as clients see it: the change, its tally and state, every vote with its weight.</summary>
public sealed record ProposalView(
    Guid Id,
    string Kind,
    string State,
    Guid? FacilityId,
    int? BaseVersion,
    Guid AuthorId,
    string AuthorName,
    RawJson Changes,
    Position Location,
    string Comment,
    IReadOnlyList<string> DisputedAttributes,
    double AuthorWeight,
    double Support,
    double Opposition,
    DateTime CreatedAt,
    DateTime ExpiresAt,
    DateTime? DecidedAt,
    int? ResultVersion,
    DateTime? RevertedAt,
    IReadOnlyList<VoteView> Votes)
{
    /// <summary>Facilities of the same category within the duplicate radius of a create, computed when the proposal is
    /// read (null for other kinds).</summary>
    public IReadOnlyList<PossibleDuplicate>? PossibleDuplicates { get; init; }

    /// <summary>The category a create proposes (not on the wire: <see cref="Changes"/> carries it).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Category { get; init; }
}

/// <summary>The proposal row as the deciding code needs it.</summary>
public sealed record ProposalRow(Guid Id, ProposalKind Kind, ProposalState State, Guid AuthorId, Guid? FacilityId, int? BaseVersion, JsonObject Changes,
    string Comment, string[] DisputedAttributes, double AuthorWeight, DateTime ExpiresAt)
{
    public const string Columns =
        "p.id, p.kind, p.state, p.author_id, p.facility_id, p.base_version, p.changes::text, p.comment, p.disputed_attributes, " +
        "p.author_weight, p.expires_at";

    public static ProposalRow Read(NpgsqlDataReader r) => new(r.GetGuid(0), WireName.Parse<ProposalKind>(r.GetString(1))!.Value,
        WireName.Parse<ProposalState>(r.GetString(2))!.Value, r.GetGuid(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetInt32(5), JsonNode.Parse(r.GetString(6))!.AsObject(),
        r.GetString(7), r.GetFieldValue<string[]>(8), r.GetDouble(9), r.GetDateTime(10));

    /// <summary>Reads and locks the proposal: every decision on one proposal happens under this row lock, so many
    /// votes arriving at once apply it exactly once.</summary>
    public static async Task<ProposalRow?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select {Columns} from proposals p where p.id = $1 for update", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }
}

public static class ProposalViews
{
    private const string Sql =
        "select p.id, p.kind, p.state, p.facility_id, p.base_version, p.author_id, u.display_name, p.changes::text, " +
        "       ST_Y(p.geom), ST_X(p.geom), p.comment, p.disputed_attributes, p.author_weight, p.support, p.opposition, " +
        "       p.created_at, p.expires_at, p.decided_at, p.result_version, p.reverted_at, p.changes->>'category' " +
        "from proposals p join users u on u.id = p.author_id where p.id = any($1)";

    private const string VotesSql =
        "select v.proposal_id, v.voter_id, u.display_name, v.vote, v.weight, v.comment, v.created_at " +
        "from votes v join users u on u.id = v.voter_id where v.proposal_id = any($1) order by v.created_at, v.voter_id";

    public static async Task<ProposalView?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken ct) =>
        (await ReadManyAsync(connection, transaction, [id], ct)) is [var view] ? view : null;

    /// <summary>The proposals with these ids, in the order given, with their votes (two queries, whatever the count).</summary>
    public static async Task<IReadOnlyList<ProposalView>> ReadManyAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        Guid[] ids, CancellationToken ct)
    {
        var votes = new Dictionary<Guid, List<VoteView>>();
        await using (var command = new NpgsqlCommand(VotesSql, connection, transaction))
        {
            command.Parameters.AddWithValue(ids);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var proposal = r.GetGuid(0);
                if (!votes.TryGetValue(proposal, out var list))
                {
                    votes[proposal] = list = [];
                }
                list.Add(new VoteView(r.GetGuid(1), r.GetString(2), r.GetString(3), Math.Round(r.GetDouble(4), 4),
                    r.IsDBNull(5) ? null : r.GetString(5), r.GetDateTime(6)));
            }
        }
        var views = new Dictionary<Guid, ProposalView>();
        await using (var command = new NpgsqlCommand(Sql, connection, transaction))
        {
            command.Parameters.AddWithValue(ids);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetGuid(0);
                views[id] = new ProposalView(id, r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3),
                    r.IsDBNull(4) ? null : r.GetInt32(4), r.GetGuid(5), r.GetString(6), new RawJson(r.GetString(7)),
                    new Position(r.GetDouble(8), r.GetDouble(9)), r.GetString(10), r.GetFieldValue<string[]>(11),
                    Math.Round(r.GetDouble(12), 4), Math.Round(r.GetDouble(13), 4), Math.Round(r.GetDouble(14), 4),
                    r.GetDateTime(15), r.GetDateTime(16), r.IsDBNull(17) ? null : r.GetDateTime(17), r.IsDBNull(18) ? null : r.GetInt32(18),
                    r.IsDBNull(19) ? null : r.GetDateTime(19), votes.GetValueOrDefault(id) ?? [])
                {
                    Category = r.IsDBNull(20) ? null : r.GetString(20),
                };
            }
        }
        return [.. ids.Where(views.ContainsKey).Select(id => views[id])];
    }
}
