using System.Globalization;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Facilities.Api.Features.Quests;

/// <summary>
/// What makes a facility need checking, bound from the configuration section "Quests" (<c>Quests__StaleDays=730</c>):
/// a confidence below <see cref="ConfidenceBelow"/>, no verification for <see cref="StaleDays"/> (StreetComplete re-asks
/// toilets after years), or a key attribute nobody has given.
/// </summary>
public sealed class QuestRules
{
    public const string Section = "Quests";

    public double ConfidenceBelow { get; set; } = 0.5;
    public int StaleDays { get; set; } = 365;
}

/// <summary>GET /api/v1/quests?lat&amp;lon[&amp;radius_m][&amp;limit]: "needs checking near me", most needed first.</summary>
public sealed record QuestsQuery(string? Lat, string? Lon, string? RadiusM, string? Limit) : IRequest<QuestList>
{
    public const double DefaultRadiusM = 1000;
    public const double MaxRadiusM = 5000;
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
}

/// <summary>A facility that needs checking: where and what it is, why (reasons: low_confidence, stale — not verified within
/// the rules' days, or never —, missing), the key attributes nobody has given (wheelchair, opening_hours, fee,
/// changing_table; toilets and showers are asked all four, other categories wheelchair only), its score and its version
/// (the base_version of an answer).</summary>
public sealed record Quest(Guid FacilityId, string Category, string? Name, double Lat, double Lon, double DistanceM, double Confidence,
    DateTime? LastVerifiedAt, IReadOnlyList<string> Reasons, IReadOnlyList<string> Missing, int Score, int Version);

public sealed record QuestList(IReadOnlyList<Quest> Quests, QuestRules Rules);

public sealed class QuestsValidator : AbstractValidator<QuestsQuery>
{
    public QuestsValidator()
    {
        RuleFor(q => q.Lat).Must(v => QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90).WithMessage("Must be a latitude from -90 to 90.");
        RuleFor(q => q.Lon).Must(v => QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180).WithMessage("Must be a longitude from -180 to 180.");
        RuleFor(q => q.RadiusM).Must(v => v is null || (QueryValues.TryParseDouble(v, out var r) && r > 0 && r <= QuestsQuery.MaxRadiusM))
            .WithMessage($"Must be a number of metres above 0, at most {QuestsQuery.MaxRadiusM:0}.");
        RuleFor(q => q.Limit).Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= QuestsQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {QuestsQuery.MaxLimit}.");
    }
}

public sealed class QuestsHandler(NpgsqlDataSource dataSource, QuestRules rules, TimeProvider clock) : IRequestHandler<QuestsQuery, QuestList>
{
    // Stale and unsure facilities weigh 5 each, every missing key attribute 1 (four at most, so doubt about the whole
    // facility comes before unknown details); ties go to the nearest. One statement:
    // the radius prefilter on the GiST index (a box surely larger than the radius), ST_DWithin on geography for
    // geodesic metres, the score computed where the columns are.
    private const string Sql = """
        with p as (select ST_SetSRID(ST_MakePoint($1, $2), 4326) g),
        c as (
          select f.id, f.category, f.name, ST_Y(f.geom) lat, ST_X(f.geom) lon, ST_Distance(f.geom::geography, p.g::geography) d,
                 f.confidence, f.last_verified_at, f.version,
                 f.confidence < $4 low,
                 (f.last_verified_at is null or f.last_verified_at < $5) stale,
                 array_remove(array[
                   case when f.wheelchair = 'unknown' then 'wheelchair' end,
                   case when f.category in ('toilet', 'shower') and f.opening_hours is null then 'opening_hours' end,
                   case when f.category in ('toilet', 'shower') and f.fee is null then 'fee' end,
                   case when f.category in ('toilet', 'shower') and f.changing_table is null then 'changing_table' end], null) missing
          from facilities f, p
          where f.status <> 'removed'
            and f.geom && ST_Expand(p.g, $3 / (111000.0 * greatest(cos(radians($2)), 0.01)))
            and ST_DWithin(f.geom::geography, p.g::geography, $3))
        select id, category, name, lat, lon, d, confidence, last_verified_at, version, low, stale, missing,
               (case when low then 5 else 0 end) + (case when stale then 5 else 0 end) + cardinality(missing) score
        from c where low or stale or cardinality(missing) > 0
        order by score desc, d limit $6
        """;

    public async ValueTask<QuestList> Handle(QuestsQuery request, CancellationToken cancellationToken)
    {
        var lat = double.Parse(request.Lat!, CultureInfo.InvariantCulture);
        var lon = double.Parse(request.Lon!, CultureInfo.InvariantCulture);
        var radius = request.RadiusM is null ? QuestsQuery.DefaultRadiusM : double.Parse(request.RadiusM, CultureInfo.InvariantCulture);
        var limit = request.Limit is null ? QuestsQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.AddWithValue(lon);
        command.Parameters.AddWithValue(lat);
        command.Parameters.AddWithValue(radius);
        command.Parameters.AddWithValue(rules.ConfidenceBelow);
        command.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime.AddDays(-rules.StaleDays));
        command.Parameters.AddWithValue(limit);
        var quests = new List<Quest>();
        await using var r = await command.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            var missing = r.GetFieldValue<string[]>(11);
            var reasons = new List<string>();
            if (r.GetBoolean(9))
            {
                reasons.Add("low_confidence");
            }
            if (r.GetBoolean(10))
            {
                reasons.Add("stale");
            }
            if (missing.Length > 0)
            {
                reasons.Add("missing");
            }
            quests.Add(new Quest(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetDouble(3), r.GetDouble(4),
                Math.Round(r.GetDouble(5), 1), Math.Round(r.GetDouble(6), 3), r.IsDBNull(7) ? null : r.GetDateTime(7), reasons, missing,
                r.GetInt32(12), r.GetInt32(8)));
        }
        return new QuestList(quests, rules);
    }
}

public static class QuestsEndpoint
{
    public static IEndpointRouteBuilder MapQuests(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/quests", async (IMediator mediator, [FromQuery(Name = "lat")] string? lat, [FromQuery(Name = "lon")] string? lon,
                [FromQuery(Name = "radius_m")] string? radiusM, [FromQuery(Name = "limit")] string? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new QuestsQuery(lat, lon, radiusM, limit), ct)))
            .WithName("Quests")
            .WithTags("Contributors")
            .WithSummary("Needs checking near me: facilities with low confidence, not verified for a while, or missing key attributes, most needed first.")
            .ProducesValidationProblem();
        return app;
    }
}
