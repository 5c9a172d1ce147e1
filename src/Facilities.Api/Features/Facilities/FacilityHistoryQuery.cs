using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Facilities;

/// <summary>GET /api/v1/facilities/{id}/history: every accepted version, oldest first.</summary>
public sealed record FacilityHistoryQuery(string Id) : IRequest<FacilityHistory>;

public sealed record FacilityVersion(
    int Version,
    DateTime CreatedAt,
    string? AuthorUserId,
    string? AuthorName,
    string? SourceDatasetId,
    string? SourceDataset,
    string? ProposalId,
    string? Reason,
    RawJson Changes)
{
    /// <summary>The votes that decided the version's proposal (voter, up or down, weight), when it came from one.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public RawJson? Votes { get; init; }
}

public sealed record FacilityHistory(string FacilityId, IReadOnlyList<FacilityVersion> Versions);

public sealed class FacilityHistoryHandler(ReadSource dataSource) : IRequestHandler<FacilityHistoryQuery, FacilityHistory>
{
    private const string Sql =
        "select v.version, v.created_at, v.author_user_id::text, v.author_name, v.source_dataset_id::text, d.name, " +
        "       v.proposal_id::text, v.reason, v.changes::text, " +
        // The votes of the proposal a version came from (contributions), in the order they were cast.
        "       (select jsonb_agg(jsonb_build_object('voter_id', x.voter_id, 'voter_name', u.display_name, 'vote', x.vote, " +
        "                 'weight', round(x.weight::numeric, 4)) order by x.created_at)::text " +
        "          from votes x join users u on u.id = x.voter_id where x.proposal_id = v.proposal_id) " +
        "from facilities f " +
        "left join facility_versions v on v.facility_id = f.id " +
        "left join datasets d on d.id = v.source_dataset_id " +
        "where f.id = $1 order by v.version";

    public async ValueTask<FacilityHistory> Handle(FacilityHistoryQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("facility", request.Id);
        }
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<FacilityVersion>();
        var exists = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            exists = true;
            if (reader.IsDBNull(0))
            {
                continue;
            }
            versions.Add(new FacilityVersion(
                reader.GetInt32(0), reader.GetDateTime(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                new RawJson(reader.GetString(8)))
            {
                Votes = reader.IsDBNull(9) ? null : new RawJson(reader.GetString(9)),
            });
        }
        return exists ? new FacilityHistory(id.ToString(), versions) : throw new NotFoundException("facility", request.Id);
    }
}
