using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>POST /api/v1/admin/open311-apps: a third-party app and its Open311 api_key, shown this once.</summary>
public sealed record IssueOpen311AppCommand(Guid AdminId, JsonNode? Name) : IRequest<IssuedOpen311App>, IWriteCommand;

/// <summary>An app with its key just made: <see cref="ApiKey"/> is never shown again (only its SHA-256 is kept).</summary>
public sealed record IssuedOpen311App(Guid Id, string Name, string ApiKey, DateTime CreatedAt);

/// <summary>GET /api/v1/admin/open311-apps: every app, newest first, with its key's id (never the key) and how many
/// reports it filed.</summary>
public sealed record ListOpen311AppsQuery(Guid AdminId) : IRequest<IReadOnlyList<Open311App>>;

/// <summary>DELETE /api/v1/admin/open311-apps/{id}: the app's key stops working at once; its reports stay.</summary>
public sealed record RevokeOpen311AppCommand(Guid AdminId, string AppId) : IRequest<Open311App>, IWriteCommand;

/// <summary>An app as an admin sees it: key_id is the first 12 hex digits of its key's SHA-256, as for partner keys.</summary>
public sealed record Open311App(Guid Id, string Name, string KeyId, DateTime CreatedAt, DateTime? RevokedAt, bool Active, long Reports);

/// <summary>The app an api_key belongs to, and the system account its reports are filed as.</summary>
public sealed record Open311AppKey(Guid AppId, string Name, Guid AccountId);

public sealed class IssueOpen311AppValidator : AbstractValidator<IssueOpen311AppCommand>
{
    public IssueOpen311AppValidator() => RuleFor(c => c.Name)
        .Must(r => r?.GetValueKind() == JsonValueKind.String && r.GetValue<string>().Trim().Length is > 0 and <= 200)
        .WithMessage("A name of 1 to 200 characters is required.");
}

public sealed class Open311AppHandlers(UnitOfWork unitOfWork, NpgsqlDataSource dataSource, TimeProvider clock) :
    IRequestHandler<IssueOpen311AppCommand, IssuedOpen311App>, IRequestHandler<ListOpen311AppsQuery, IReadOnlyList<Open311App>>,
    IRequestHandler<RevokeOpen311AppCommand, Open311App>
{
    private const string ListSql = """
        select a.id, a.name, left(a.key_hash, 12), a.created_at, a.revoked_at,
               (select count(*) from open311_app_reports r where r.app_id = a.id)
        from open311_apps a where ($1::uuid is null or a.id = $1) order by a.created_at desc, a.id
        """;

    public async ValueTask<IssuedOpen311App> Handle(IssueOpen311AppCommand request, CancellationToken cancellationToken)
    {
        var admin = await AdminAsync(request.AdminId, cancellationToken);
        var (id, account) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var name = request.Name!.GetValue<string>().Trim();
        var key = PartnerApiKeys.Generate();
        var now = clock.GetUtcNow().UtcDateTime;
        await ExecuteAsync("insert into open311_apps (id, name, key_hash, created_by, created_at) values ($1, $2, $3, $4, $5)", cancellationToken,
            id, name, PartnerApiKeys.Hash(key), admin.Id, now);
        // The user name is the app's id, never its display name: two apps may share a name, and user names are unique.
        await ExecuteAsync("insert into users (id, user_name, normalized_user_name, display_name, system_app_id) " +
                           "values ($1, 'open311-app:' || $2::text, upper('open311-app:' || $2::text), $3, $2)", cancellationToken, account, id, name);
        return new IssuedOpen311App(id, name, key, now);
    }

    public async ValueTask<Open311App> Handle(RevokeOpen311AppCommand request, CancellationToken cancellationToken)
    {
        await AdminAsync(request.AdminId, cancellationToken);
        if (!Guid.TryParse(request.AppId, out var id))
        {
            throw new NotFoundException("app", request.AppId);
        }
        // coalesce: revoking twice keeps the first time.
        await ExecuteAsync("update open311_apps set revoked_at = coalesce(revoked_at, $2) where id = $1", cancellationToken, id,
            clock.GetUtcNow().UtcDateTime);
        return (await ListAsync(unitOfWork.Connection, unitOfWork.Transaction, id, cancellationToken)).SingleOrDefault()
               ?? throw new NotFoundException("app", request.AppId);
    }

    public async ValueTask<IReadOnlyList<Open311App>> Handle(ListOpen311AppsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await Contributor.FindAsync(connection, null, request.AdminId, cancellationToken) is not { IsAdmin: true })
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may manage Open311 apps.");
        }
        return await ListAsync(connection, null, null, cancellationToken);
    }

    /// <summary>The app of a key that works now: the key is hashed and looked up, never compared in clear.</summary>
    public static async Task<Open311AppKey?> FindAsync(NpgsqlDataSource dataSource, string key, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select a.id, a.name, u.id from open311_apps a join users u on u.system_app_id = a.id where a.key_hash = $1 and a.revoked_at is null");
        command.Parameters.AddWithValue(PartnerApiKeys.Hash(key.Trim()));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Open311AppKey(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2)) : null;
    }

    private async Task<Contributor> AdminAsync(Guid adminId, CancellationToken ct)
    {
        var admin = await Contributor.WriterAsync(unitOfWork.Connection, unitOfWork.Transaction, adminId, ct);
        return admin.IsAdmin ? admin : throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may manage Open311 apps.");
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

    private static async Task<List<Open311App>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(ListSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var apps = new List<Open311App>();
        while (await reader.ReadAsync(ct))
        {
            DateTime? revoked = reader.IsDBNull(4) ? null : reader.GetDateTime(4);
            apps.Add(new Open311App(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetDateTime(3), revoked, revoked is null,
                reader.GetInt64(5)));
        }
        return apps;
    }
}

public static class Open311AppEndpoints
{
    public sealed record Open311AppBody(JsonNode? Name);

    public static IEndpointRouteBuilder MapOpen311Apps(this IEndpointRouteBuilder app)
    {
        var admins = app.MapGroup("/api/v1/admin/open311-apps").WithTags("Moderators")
            .RequireAuthorization(AccountsEndpoints.AdminPolicy).WithMetadata(new BodyLimit(64 * 1024));
        admins.MapPost("", async (IMediator mediator, ClaimsPrincipal user, Open311AppBody body, CancellationToken ct) =>
            {
                var issued = await mediator.Send(new IssueOpen311AppCommand(user.UserId(), body.Name), ct);
                return TypedResults.Created($"/api/v1/admin/open311-apps/{issued.Id}", issued);
            })
            .WithName("IssueOpen311App")
            .WithSummary("A third-party app and its Open311 api_key (for POST /open311/v2/requests.json|.xml), shown this once.");
        admins.MapGet("", async (IMediator mediator, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListOpen311AppsQuery(user.UserId()), ct)))
            .WithName("ListOpen311Apps")
            .WithSummary("Every Open311 app, newest first: its key's id (never the key), when made and revoked, how many reports it filed.");
        admins.MapDelete("/{id}", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RevokeOpen311AppCommand(user.UserId(), id), ct)))
            .WithName("RevokeOpen311App")
            .WithSummary("Revoke the app's api_key: it files nothing more; the reports it filed stay.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
