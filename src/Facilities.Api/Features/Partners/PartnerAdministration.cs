using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Partners;

/// <summary>POST /api/v1/admin/partners: a partner and its API key, shown this once.</summary>
public sealed record CreatePartnerCommand(Guid AdminId, JsonNode? Name) : IRequest<CreatedPartner>, IWriteCommand;

/// <summary>A partner with a key just made: <see cref="ApiKey"/> is never shown again (only its SHA-256 is kept).</summary>
public sealed record CreatedPartner(Guid Id, string Name, string ApiKey, DateTime CreatedAt);

/// <summary>GET /api/v1/admin/partners: every partner with its keys (never the keys themselves) and its datasets.</summary>
public sealed record ListPartnersQuery(Guid AdminId) : IRequest<IReadOnlyList<PartnerSummary>>;

/// <summary>POST /api/v1/admin/partners/{id}/key: a new key for the partner, shown this once; every older key of it
/// stops working at once.</summary>
public sealed record RotatePartnerKeyCommand(Guid AdminId, string PartnerId) : IRequest<CreatedPartner>, IWriteCommand;

/// <summary>DELETE /api/v1/admin/partners/{id}/key: every key of the partner revoked; it is locked out until a rotation
/// gives it a new one. Its datasets and records stay.</summary>
public sealed record RevokePartnerKeysCommand(Guid AdminId, string PartnerId) : IRequest<PartnerSummary>, IWriteCommand;

/// <summary>One of a partner's keys as an admin sees it: its id is the first 12 hex digits of its SHA-256, enough to
/// tell keys apart in a list and no help in guessing one.</summary>
public sealed record PartnerKey(string Id, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>One of a partner's datasets, with how many of its source records are current (not removed at source).</summary>
public sealed record PartnerDataset(Guid Id, string Name, string Kind, string? Category, long Records, DateTime CreatedAt);

/// <summary>A partner as the admin screen lists it; <c>Active</c> says whether one of its keys works now.</summary>
public sealed record PartnerSummary(Guid Id, string Name, DateTime CreatedAt, bool Active, IReadOnlyList<PartnerKey> Keys,
    IReadOnlyList<PartnerDataset> Datasets);

public sealed class CreatePartnerValidator : AbstractValidator<CreatePartnerCommand>
{
    public CreatePartnerValidator() => RuleFor(c => c.Name)
        .Must(r => r?.GetValueKind() == JsonValueKind.String && r.GetValue<string>().Trim().Length is > 0 and <= 200)
        .WithMessage("A name of 1 to 200 characters is required.");
}

public sealed class PartnerAdministrationHandlers(UnitOfWork unitOfWork, NpgsqlDataSource dataSource, TimeProvider clock) :
    IRequestHandler<CreatePartnerCommand, CreatedPartner>, IRequestHandler<ListPartnersQuery, IReadOnlyList<PartnerSummary>>,
    IRequestHandler<RotatePartnerKeyCommand, CreatedPartner>, IRequestHandler<RevokePartnerKeysCommand, PartnerSummary>
{
    // One statement: each partner with its keys (newest first) and its datasets, each with its count of current records.
    // Times go into the JSON as RFC 3339 UTC text, which System.Text.Json reads back as UTC (jsonb would write the
    // session's offset, read back as local time).
    private const string ListSql =
        "select p.id, p.name, p.created_at, " +
        "       coalesce((select jsonb_agg(jsonb_build_object('id', left(k.key_hash, 12), 'created_at', to_char(k.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'revoked_at', to_char(k.revoked_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')) " +
        "                 order by k.created_at desc) from partner_api_keys k where k.partner_id = p.id), '[]')::text, " +
        "       coalesce((select jsonb_agg(jsonb_build_object('id', d.id, 'name', d.name, 'kind', d.kind, 'category', d.category, 'created_at', to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " +
        "                 'records', (select count(*) from source_records s where s.dataset_id = d.id and s.removed_at is null)) order by d.created_at) " +
        "                 from datasets d where d.partner_id = p.id), '[]')::text " +
        "from partners p where ($1::uuid is null or p.id = $1) order by p.created_at, p.id";

    public async ValueTask<CreatedPartner> Handle(CreatePartnerCommand request, CancellationToken cancellationToken)
    {
        await AdminAsync(request.AdminId, cancellationToken);
        var id = Guid.CreateVersion7();
        var name = request.Name!.GetValue<string>().Trim();
        var now = clock.GetUtcNow().UtcDateTime;
        await ExecuteAsync("insert into partners (id, name, created_at) values ($1, $2, $3)", cancellationToken, id, name, now);
        return new CreatedPartner(id, name, await NewKeyAsync(id, now, cancellationToken), now);
    }

    public async ValueTask<CreatedPartner> Handle(RotatePartnerKeyCommand request, CancellationToken cancellationToken)
    {
        await AdminAsync(request.AdminId, cancellationToken);
        var partner = await PartnerAsync(request.PartnerId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await ExecuteAsync("update partner_api_keys set revoked_at = $2 where partner_id = $1 and revoked_at is null", cancellationToken, partner.Id, now);
        return new CreatedPartner(partner.Id, partner.Name, await NewKeyAsync(partner.Id, now, cancellationToken), partner.CreatedAt);
    }

    public async ValueTask<PartnerSummary> Handle(RevokePartnerKeysCommand request, CancellationToken cancellationToken)
    {
        await AdminAsync(request.AdminId, cancellationToken);
        var partner = await PartnerAsync(request.PartnerId, cancellationToken);
        await ExecuteAsync("update partner_api_keys set revoked_at = $2 where partner_id = $1 and revoked_at is null", cancellationToken,
            partner.Id, clock.GetUtcNow().UtcDateTime);
        return (await ListAsync(unitOfWork.Connection, unitOfWork.Transaction, partner.Id, cancellationToken)).Single();
    }

    public async ValueTask<IReadOnlyList<PartnerSummary>> Handle(ListPartnersQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var admin = await Contributor.FindAsync(connection, null, request.AdminId, cancellationToken);
        if (admin is not { IsAdmin: true })
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may see partners.");
        }
        return await ListAsync(connection, null, null, cancellationToken);
    }

    private async Task AdminAsync(Guid adminId, CancellationToken ct)
    {
        var admin = await Contributor.WriterAsync(unitOfWork.Connection, unitOfWork.Transaction, adminId, ct);
        if (!admin.IsAdmin)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may manage partners.");
        }
    }

    /// <summary>The partner, its row locked so that two rotations of its key do not both leave a key working.</summary>
    private async Task<(Guid Id, string Name, DateTime CreatedAt)> PartnerAsync(string partnerId, CancellationToken ct)
    {
        if (Guid.TryParse(partnerId, out var id))
        {
            await using var read = new NpgsqlCommand("select id, name, created_at from partners where id = $1 for update",
                unitOfWork.Connection, unitOfWork.Transaction);
            read.Parameters.AddWithValue(id);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
            {
                return (reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2));
            }
        }
        throw new NotFoundException("partner", partnerId);
    }

    /// <summary>Only the key's hash is stored: the answer to this request is the one time the key is seen.</summary>
    private async Task<string> NewKeyAsync(Guid partnerId, DateTime now, CancellationToken ct)
    {
        var key = PartnerApiKeys.Generate();
        await ExecuteAsync("insert into partner_api_keys (key_hash, partner_id, created_at) values ($1, $2, $3)", ct,
            PartnerApiKeys.Hash(key), partnerId, now);
        return key;
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, unitOfWork.Connection, unitOfWork.Transaction);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        await command.ExecuteNonQueryAsync(ct);
    }

    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static async Task<List<PartnerSummary>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ListSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        var partners = new List<PartnerSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var keys = JsonSerializer.Deserialize<List<PartnerKey>>(reader.GetString(3), SnakeCase)!;
            var datasets = JsonSerializer.Deserialize<List<PartnerDataset>>(reader.GetString(4), SnakeCase)!;
            partners.Add(new PartnerSummary(reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2), keys.Any(k => k.RevokedAt is null),
                keys, datasets));
        }
        return partners;
    }
}

public static class PartnerAdministrationEndpoints
{
    public sealed record PartnerBody(JsonNode? Name);

    /// <summary>The admin's partner endpoints, under /api/v1/admin/partners as documented.</summary>
    public static IEndpointRouteBuilder MapPartnerAdministration(this IEndpointRouteBuilder app)
    {
        var admins = app.MapGroup("/api/v1/admin/partners").WithTags("Moderators")
            .RequireAuthorization(AccountsEndpoints.AdminPolicy).WithMetadata(new BodyLimit(64 * 1024));
        admins.MapPost("", async (IMediator mediator, ClaimsPrincipal user, PartnerBody body, CancellationToken ct) =>
            {
                var partner = await mediator.Send(new CreatePartnerCommand(user.UserId(), body.Name), ct);
                return TypedResults.Created($"/api/v1/admin/partners/{partner.Id}", partner);
            })
            .WithSummary("A government partner and its API key (X-Api-Key), shown this once.");
        admins.MapGet("", async (IMediator mediator, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListPartnersQuery(user.UserId()), ct)))
            .WithSummary("Every partner with its keys (their ids, when made and revoked; never the keys) and its datasets.");
        admins.MapPost("/{id}/key", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RotatePartnerKeyCommand(user.UserId(), id), ct)))
            .WithSummary("Rotate: a new API key for the partner, shown this once; its older keys stop working at once.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admins.MapDelete("/{id}/key", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RevokePartnerKeysCommand(user.UserId(), id), ct)))
            .WithSummary("Revoke every key of the partner: it is locked out until a rotation gives it a new key.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
