using System.Globalization;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// GET /api/v1/opening-hours/week?value=…[&amp;lat&amp;lon][&amp;from]: how the evaluator reads an opening_hours value,
/// as seven days from <c>from</c> (default: this week's Monday there) at a place (its holidays and sun times). The page's
/// hours editor previews with it and the review view draws hours diffs with it, so the page never parses hours itself.
/// An unreadable value is a 400 naming where it stops making sense, the same words a proposal gets.
/// </summary>
public sealed record OpeningHoursWeekQuery(string? Value, string? Lat, string? Lon, string? From) : IRequest<OpeningHoursWeek>
{
    public const int MaxLength = 255;
}

/// <summary>The value read, the place's time zone, and seven dates in order.</summary>
public sealed record OpeningHoursWeek(string Value, string TimeZone, IReadOnlyList<OpeningHoursDay> Days);

/// <summary>One date: its weekday (mo … su), whether it is a public holiday there, its open (open: true) or unknown
/// (open: null) spans with from and to as hh:mm (to may be 24:00), and whether outside them the day is unknown, not
/// closed.</summary>
public sealed record OpeningHoursDay(DateOnly Date, string Weekday, bool PublicHoliday, IReadOnlyList<OpeningHoursSpan> Spans, bool RestUnknown);

public sealed record OpeningHoursSpan(string From, string To, bool? Open);

public sealed class OpeningHoursWeekValidator : AbstractValidator<OpeningHoursWeekQuery>
{
    public OpeningHoursWeekValidator()
    {
        RuleFor(q => q.Value).Must(v => !string.IsNullOrWhiteSpace(v)).WithMessage("Give the opening_hours value to read.")
            .Must(v => v is null || v.Length <= OpeningHoursWeekQuery.MaxLength).WithMessage($"Must be at most {OpeningHoursWeekQuery.MaxLength} characters.");
        RuleFor(q => q.Value).Must(v => OpeningHours.TryParse(v, out _, out _))
            .When(q => !string.IsNullOrWhiteSpace(q.Value) && q.Value.Length <= OpeningHoursWeekQuery.MaxLength)
            .WithMessage((q, v) => OpeningHours.TryParse(v, out _, out var error) ? "" : $"Not readable as opening hours: {error}.");
        RuleFor(q => q.Lat).Must(v => v is null || (QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90))
            .WithMessage("Must be a latitude from -90 to 90.");
        RuleFor(q => q.Lon).Must(v => v is null || (QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180))
            .WithMessage("Must be a longitude from -180 to 180.");
        RuleFor(q => q.Lat).Must((q, v) => (v is null) == (q.Lon is null)).WithMessage("Give lat and lon together, or neither.");
        RuleFor(q => q.From).Must(v => v is null
                || (DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from) && QueryValues.IsQueryYear(from.Year)))
            .WithMessage("Must be a date, yyyy-MM-dd, in the years 1900 to 2199.");
    }
}

public sealed class OpeningHoursWeekHandler(TimeProvider clock) : IRequestHandler<OpeningHoursWeekQuery, OpeningHoursWeek>
{
    private static readonly string[] Weekdays = ["mo", "tu", "we", "th", "fr", "sa", "su"];

    public ValueTask<OpeningHoursWeek> Handle(OpeningHoursWeekQuery request, CancellationToken cancellationToken)
    {
        if (!OpeningHours.TryParse(request.Value, out var hours, out var error))
        {
            throw new InvalidOperationException($"The validator let an unreadable value through: {error}");
        }
        HoursPlace place = HoursPlace.Nowhere;
        if (QueryValues.TryParseDouble(request.Lat, out var lat) && QueryValues.TryParseDouble(request.Lon, out var lon))
        {
            var zone = FacilityTimeZones.For(null, lon, lat);
            place = new HoursPlace(zone, (lat, lon), PublicHolidays.For(lon, lat, zone));
        }
        var from = request.From is { } text
            ? DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture)
            : MondayOf(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), place.Zone).DateTime));
        var days = Enumerable.Range(0, 7).Select(i =>
        {
            var date = from.AddDays(i);
            var (spans, restUnknown) = hours.Day(date, place);
            return new OpeningHoursDay(date, Weekdays[((int)date.DayOfWeek + 6) % 7], place.Day(date) == DayKind.PublicHoliday,
                [.. spans.Select(s => new OpeningHoursSpan(Clock(s.Start), Clock(s.End), s.Unknown ? null : true))], restUnknown);
        }).ToList();
        return ValueTask.FromResult(new OpeningHoursWeek(request.Value!, place.Zone.Id, days));
    }

    private static DateOnly MondayOf(DateOnly date) => date.AddDays(-(((int)date.DayOfWeek + 6) % 7));

    private static string Clock(int minutes) => string.Create(CultureInfo.InvariantCulture, $"{minutes / 60:00}:{minutes % 60:00}");
}

public static class OpeningHoursWeekEndpoint
{
    public static IEndpointRouteBuilder MapOpeningHoursWeek(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/opening-hours/week", async (IMediator mediator, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "value")] string? value,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "lat")] string? lat, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "lon")] string? lon,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "from")] string? from, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new OpeningHoursWeekQuery(value, lat, lon, from), ct)))
            .WithName("ReadOpeningHoursWeek")
            .WithTags("Residents")
            .WithSummary("How an opening_hours value reads: seven days of open and unknown times at a place; 400 naming where an unreadable value stops making sense.");
        return app;
    }
}
