using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>GET /api/v1/proposals/{id}. A pending proposal is shown to its author and to reviewers (reputation
/// from the vote privilege, moderators, admins) only; a decided one to anyone.</summary>
public sealed record GetProposalQuery(Guid? UserId, string Id) : IRequest<ProposalView>;

/// <summary>GET /api/v1/proposals?state=pending[&amp;bbox][&amp;limit][&amp;cursor]: the review queue, oldest first.
/// Reviewers see everyone's proposals; other accounts their own.</summary>
public sealed record ListProposalsQuery(Guid UserId, string? State, string? Bbox, string? Limit, string? Cursor) : IRequest<ProposalPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public static IReadOnlyList<string> States => WireName.All<ProposalState>();
}

public sealed record ProposalPage(IReadOnlyList<ProposalView> Proposals, string? NextCursor);

public sealed class ListProposalsValidator : AbstractValidator<ListProposalsQuery>
{
    public ListProposalsValidator(Cursors cursors)
    {
        RuleFor(q => q.State).Must(s => s is null || ListProposalsQuery.States.Contains(s))
            .WithMessage($"Must be one of: {string.Join(", ", ListProposalsQuery.States)}.");
        RuleFor(q => q.Bbox).Must(b => b is null || QueryValues.TryParseBbox(b, out _) is not null)
            .WithMessage((_, b) => { QueryValues.TryParseBbox(b, out var error); return error!; });
        RuleFor(q => q.Limit).Must(l => l is null || (QueryValues.TryParseInt(l, out var n) && n is >= 1 and <= ListProposalsQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {ListProposalsQuery.MaxLimit}.");
        RuleFor(q => q.Cursor).Must(c => c is null || cursors.DecodeGuid(c) is not null).WithMessage("Not a cursor this service issued.");
    }
}

public sealed class ProposalQueryHandlers(NpgsqlDataSource dataSource, ReputationRules rules, Cursors cursors) :
    IRequestHandler<GetProposalQuery, ProposalView>, IRequestHandler<ListProposalsQuery, ProposalPage>
{
    public async ValueTask<ProposalView> Handle(GetProposalQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("proposal", request.Id);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var view = await ProposalViews.ReadAsync(connection, null, id, cancellationToken) ?? throw new NotFoundException("proposal", request.Id);
        if (view.State == ProposalState.Pending.Name() && view.AuthorId != request.UserId && !await IsReviewerAsync(connection, request.UserId, cancellationToken))
        {
            // Not "forbidden": whether a pending change exists is itself not public.
            throw new NotFoundException("proposal", request.Id);
        }
        return (await PossibleDuplicates.AddToAsync(connection, null, [view], rules.DuplicateRadiusMetres, cancellationToken))[0];
    }

    public async ValueTask<ProposalPage> Handle(ListProposalsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var reviewer = await IsReviewerAsync(connection, request.UserId, cancellationToken);
        var limit = request.Limit is null ? ListProposalsQuery.DefaultLimit : int.Parse(request.Limit, System.Globalization.CultureInfo.InvariantCulture);
        var box = request.Bbox is null ? (Bbox?)null : QueryValues.TryParseBbox(request.Bbox, out _);
        // Keyset paging on the time-ordered (version 7) id: oldest first, the order a queue is worked in.
        await using var command = new NpgsqlCommand(
            "select p.id from proposals p where p.state = $1 and ($2 or p.author_id = $3) and ($4::uuid is null or p.id > $4) " +
            "and ($5::float8 is null or p.geom && ST_MakeEnvelope($5, $6, $7, $8, 4326)) order by p.id limit $9", connection);
        command.Parameters.AddWithValue(request.State ?? ProposalState.Pending.Name());
        command.Parameters.AddWithValue(reviewer);
        command.Parameters.AddWithValue(request.UserId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cursors.DecodeGuid(request.Cursor) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        foreach (var value in box is { } b ? [b.MinLon, b.MinLat, b.MaxLon, b.MaxLat] : new double?[] { null, null, null, null })
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
        }
        command.Parameters.AddWithValue(limit + 1);
        var ids = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
            }
        }
        var more = ids.Count > limit;
        var page = await PossibleDuplicates.AddToAsync(connection, null,
            await ProposalViews.ReadManyAsync(connection, null, [.. ids.Take(limit)], cancellationToken), rules.DuplicateRadiusMetres, cancellationToken);
        return new ProposalPage(page, more ? cursors.Encode(ids[limit - 1].ToString()) : null);
    }

    private async Task<bool> IsReviewerAsync(NpgsqlConnection connection, Guid? userId, CancellationToken ct) =>
        userId is { } id && await Contributor.FindAsync(connection, null, id, ct) is { } user
        && (user.IsReviewer || user.Reputation >= rules.Vote);
}
