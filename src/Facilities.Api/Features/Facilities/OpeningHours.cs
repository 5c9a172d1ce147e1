using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// The common part of OpenStreetMap's <c>opening_hours</c> syntax
/// (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification): <c>24/7</c>; month and date ranges
/// (<c>Apr-Oct</c>, <c>Dec 24-26</c>, <c>Dec 24-Jan 02</c>); ISO week numbers (<c>week 01-26</c>, <c>week 1-53/2</c>);
/// weekday and <c>PH</c> selectors; time ranges (also past midnight, up to <c>48:00</c>) with <c>sunrise</c>,
/// <c>sunset</c>, <c>dawn</c> and <c>dusk</c> computed for the facility's position; <c>off</c>/<c>closed</c>/
/// <c>open</c>/<c>unknown</c>; comments (<c>"by appointment"</c>); rules separated by <c>;</c> where a later rule
/// replaces earlier ones for the days it selects.
/// Years, school holidays, <c>||</c>, <c>+</c>, <c>[n]</c> and offsets such as <c>(sunrise+01:00)</c> fail to parse,
/// so such a facility is "unknown" rather than guessed open or shut.
/// </summary>
/// <remarks>
/// Unknown rather than an answer: a rule carrying a comment (<c>Mo-Fr 10:00-16:00 "by appointment"</c>, or a comment
/// alone) is unknown during the times it selects; <c>PH off</c> on a holiday that only the PH selector picks is
/// unknown; a sun time without a position, or on a day the sun does not rise or set there, makes the day unknown;
/// a make-up working day (China's 调休) has the hours the rules give Monday to Friday when those five days agree,
/// and is unknown otherwise.
/// </remarks>
public sealed class OpeningHours
{
    private const int MinutesPerDay = 24 * 60;
    private const int AllDays = 0b111_1111;
    private const int MaxCached = 4096;

    // Index = day of the week with Monday = 0, the OSM order.
    private static readonly string[] Weekdays = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    private static readonly string[] SunEvents = ["dawn", "sunrise", "sunset", "dusk"];
    private static readonly TimeRange[] WholeDay = [new(TimePoint.At(0), TimePoint.At(MinutesPerDay))];

    private static readonly ConcurrentDictionary<string, (OpeningHours? Hours, string? Error)> Cache =
        new(StringComparer.Ordinal);

    private readonly Rule[] _rules;

    // Every rule a plain weekly one (no dates, weeks or sun times): the ordinary week is worked out once.
    private readonly DayPlan[]? _ordinaryWeek;

    private OpeningHours(List<Rule> rules)
    {
        _rules = [.. rules];
        if (Array.TrueForAll(_rules, rule => rule.Dates is null && rule.Weeks is null && !rule.UsesSun))
        {
            // 2024-01-01 was a Monday; without dates, weeks or sun times any week gives the same plan.
            _ordinaryWeek = new DayPlan[7];
            for (var day = 0; day < 7; day++)
            {
                _ordinaryWeek[day] = Plan(new DateOnly(2024, 1, 1).AddDays(day), HoursPlace.Nowhere, weekday: null);
            }
        }
    }

    public bool MentionsPublicHolidays => Array.Exists(_rules, rule => rule.OnPublicHolidays);

    public static bool TryParse(string? text, [NotNullWhen(true)] out OpeningHours? hours, out string? error)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            hours = null;
            error = "no opening hours given";
            return false;
        }
        if (!Cache.TryGetValue(text, out var parsed))
        {
            parsed = Parse(text);
            // A crude bound: facilities share a small set of distinct strings, so an occasional full reset is
            // cheaper than tracking recency.
            if (Cache.Count >= MaxCached)
            {
                Cache.Clear();
            }
            Cache.TryAdd(text, parsed);
        }
        (hours, error) = parsed;
        return hours is not null;
    }

    /// <summary>Open (true), closed (false) or unknown (null) at a wall-clock time at the facility.</summary>
    /// <param name="localTime">Local time at the facility; its <see cref="DateTime.Kind"/> is ignored.</param>
    /// <param name="isPublicHoliday">
    /// Whether the date of <paramref name="localTime"/> is a public holiday there; null when not known, which
    /// evaluates as an ordinary day. The day before is taken as an ordinary day, which matters only for hours running
    /// past midnight into this date. Without a position, sun times are unknown.
    /// </param>
    /// <remarks>
    /// On a known holiday whose governing rule is <c>PH off</c> the answer is null, not false: holiday data is
    /// not trusted enough to send someone away from a toilet that may well be open.
    /// </remarks>
    public bool? IsOpenAt(DateTime localTime, bool? isPublicHoliday = null)
    {
        var date = DateOnly.FromDateTime(localTime);
        return IsOpenAt(localTime, HoursPlace.Nowhere.WithDay(date, isPublicHoliday == true ? DayKind.PublicHoliday : DayKind.Ordinary));
    }

    /// <summary>Open (true), closed (false) or unknown (null) at a wall-clock time at <paramref name="place"/>.</summary>
    public bool? IsOpenAt(DateTime localTime, HoursPlace place)
    {
        ArgumentNullException.ThrowIfNull(place);
        var plan = PlanFor(DateOnly.FromDateTime(localTime), place);
        var minute = (localTime.Hour * 60) + localTime.Minute;
        foreach (var span in plan.Spans)
        {
            if (minute >= span.Start && minute < span.End)
            {
                return span.Unknown ? null : true;
            }
        }
        return plan.Unknown ? null : false;
    }

    /// <summary>
    /// The first minute after <paramref name="localTime"/> at which <see cref="IsOpenAt(DateTime, bool?)"/> answers
    /// differently, and that answer; null when nothing changes within eight days (24/7, or always shut). Public
    /// holidays are taken as ordinary days and sun times as unknown.
    /// </summary>
    /// <param name="localTime">Local time at the facility; its <see cref="DateTime.Kind"/> is ignored.</param>
    public (DateTime At, bool? OpenAfter)? NextChangeAfter(DateTime localTime) => NextChangeAfter(localTime, HoursPlace.Nowhere);

    /// <summary>As <see cref="NextChangeAfter(DateTime)"/>, with the holidays and sun times of <paramref name="place"/>.</summary>
    public (DateTime At, bool? OpenAfter)? NextChangeAfter(DateTime localTime, HoursPlace place)
    {
        ArgumentNullException.ThrowIfNull(place);
        var now = new DateTime(localTime.Year, localTime.Month, localTime.Day, localTime.Hour, localTime.Minute, 0, DateTimeKind.Unspecified);
        var state = IsOpenAt(now, place);
        // The answer can only change where a day starts or a span of the day starts or ends; try those in order.
        for (var offset = 0; offset <= 8; offset++)
        {
            var date = now.Date.AddDays(offset);
            var plan = PlanFor(DateOnly.FromDateTime(date), place);
            var boundaries = new List<int>(1 + (2 * plan.Spans.Length)) { 0 };
            foreach (var span in plan.Spans)
            {
                boundaries.Add(span.Start);
                boundaries.Add(span.End);
            }
            boundaries.Sort();
            foreach (var minute in boundaries)
            {
                var at = date.AddMinutes(minute);
                if (at <= now)
                {
                    continue;
                }
                var next = IsOpenAt(at, place);
                if (next != state)
                {
                    return (at, next);
                }
            }
        }
        return null;
    }

    /// <summary>One date at <paramref name="place"/>: its open or unknown spans (minutes from the local midnight, the end
    /// exclusive) and whether the rest of the day is unknown rather than closed. What a week view draws.</summary>
    public (IReadOnlyList<(int Start, int End, bool Unknown)> Spans, bool RestUnknown) Day(DateOnly date, HoursPlace place)
    {
        ArgumentNullException.ThrowIfNull(place);
        var plan = PlanFor(date, place);
        return ([.. plan.Spans.Select(s => (s.Start, s.End, s.Unknown))], plan.Unknown);
    }

    /// <summary>Open (true), closed (false) or unknown (null, also for missing or unsupported hours) at an instant.</summary>
    public static bool? IsOpen(string? text, DateTimeOffset instantUtc, TimeZoneInfo zone, bool? isPublicHoliday = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return TryParse(text, out var hours, out _)
            ? hours.IsOpenAt(TimeZoneInfo.ConvertTime(instantUtc, zone).DateTime, isPublicHoliday)
            : null;
    }

    /// <summary>Open (true), closed (false) or unknown (null, also for missing or unsupported hours) at an instant, at
    /// <paramref name="place"/> (its zone, holidays and sun times).</summary>
    public static bool? IsOpen(string? text, DateTimeOffset instantUtc, HoursPlace place)
    {
        ArgumentNullException.ThrowIfNull(place);
        return TryParse(text, out var hours, out _)
            ? hours.IsOpenAt(TimeZoneInfo.ConvertTime(instantUtc, place.Zone).DateTime, place)
            : null;
    }

    private static (OpeningHours? Hours, string? Error) Parse(string text)
    {
        if (!TryTokenize(text, out var tokens, out var error))
        {
            return (null, error);
        }
        var parser = new Parser(tokens, text);
        return parser.ParseRules(out var rules) ? (new OpeningHours(rules), null) : (null, parser.Error);
    }

    private DayPlan PlanFor(DateOnly date, HoursPlace place)
    {
        var kind = place.Day(date);
        if (kind == DayKind.WorkingDay)
        {
            // A make-up working day works as the working week does, when Monday to Friday agree.
            var monday = Plan(date, place, weekday: 0);
            for (var day = 1; day < 5; day++)
            {
                if (!Plan(date, place, weekday: day).SameAs(monday))
                {
                    return new DayPlan([], Unknown: true);
                }
            }
            return monday;
        }
        if (_ordinaryWeek is not null && kind == DayKind.Ordinary && place.Day(date.AddDays(-1)) == DayKind.Ordinary)
        {
            return _ordinaryWeek[Weekday(date)];
        }
        return Plan(date, place, weekday: null);
    }

    /// <summary>
    /// The spans of one date. The last rule selecting the date governs it, including hours an earlier rule spilled
    /// into it past midnight (so in <c>Tu-Th 07:00-04:00; Fr 09:00-17:00</c> Friday starts closed), as the OSM
    /// specification and the reference evaluator do; what the governing rule itself or a later one spills in from the day
    /// before stays.
    /// <paramref name="weekday"/> replaces the date's own weekday (for a make-up working day).
    /// </summary>
    private DayPlan Plan(DateOnly date, HoursPlace place, int? weekday)
    {
        var kind = place.Day(date) == DayKind.PublicHoliday ? DayKind.PublicHoliday : DayKind.Ordinary;
        var day = weekday ?? Weekday(date);
        var governing = -1;
        for (var i = 0; i < _rules.Length; i++)
        {
            if (_rules[i].Selects(date, day, kind))
            {
                governing = i;
            }
        }
        var spans = new List<Span>();
        var unknown = false;
        if (governing >= 0)
        {
            var rule = _rules[governing];
            if (rule.Off)
            {
                unknown = kind == DayKind.PublicHoliday && rule.OnPublicHolidays && (rule.Days & (1 << day)) == 0;
            }
            else
            {
                foreach (var range in rule.Times)
                {
                    if (range.Resolve(date, place) is not { } minutes)
                    {
                        unknown = true;
                        continue;
                    }
                    if (minutes.End > minutes.Start)
                    {
                        spans.Add(new(minutes.Start, Math.Min(minutes.End, MinutesPerDay), rule.Unknown));
                    }
                }
            }
        }
        var before = date.AddDays(-1);
        var beforeKind = place.Day(before) == DayKind.PublicHoliday ? DayKind.PublicHoliday : DayKind.Ordinary;
        var beforeDay = weekday is { } w ? (w + 6) % 7 : Weekday(before);
        for (var i = Math.Max(governing, 0); i < _rules.Length; i++)
        {
            var rule = _rules[i];
            if (rule.Off || !rule.Selects(before, beforeDay, beforeKind))
            {
                continue;
            }
            foreach (var range in rule.Times)
            {
                if (range.Resolve(before, place) is { } minutes && minutes.End > MinutesPerDay)
                {
                    spans.Add(new(0, minutes.End - MinutesPerDay, rule.Unknown));
                }
            }
        }
        return new DayPlan(Merge(spans), unknown);
    }

    private static int Weekday(DateOnly date) => ((int)date.DayOfWeek + 6) % 7;

    /// <summary>Sorted, disjoint spans; where an open and an unknown span overlap, open wins.</summary>
    private static Span[] Merge(List<Span> spans)
    {
        if (spans.Count < 2)
        {
            return [.. spans];
        }
        var merged = new List<Span>(spans.Count);
        foreach (var unknown in new[] { false, true })
        {
            foreach (var span in spans.Where(s => s.Unknown == unknown).OrderBy(s => s.Start))
            {
                var pieces = new List<Span> { span };
                if (unknown)
                {
                    // Cut the open spans out of an unknown one.
                    foreach (var open in merged.Where(m => !m.Unknown))
                    {
                        pieces = [.. pieces.SelectMany(p => Cut(p, open))];
                    }
                }
                foreach (var piece in pieces)
                {
                    var last = merged.FindLastIndex(m => m.Unknown == unknown);
                    if (last >= 0 && piece.Start <= merged[last].End)
                    {
                        merged[last] = merged[last] with { End = Math.Max(merged[last].End, piece.End) };
                    }
                    else
                    {
                        merged.Add(piece);
                    }
                }
            }
        }
        merged.Sort((a, b) => a.Start.CompareTo(b.Start));
        return [.. merged];
    }

    private static IEnumerable<Span> Cut(Span span, Span hole)
    {
        if (hole.End <= span.Start || hole.Start >= span.End)
        {
            yield return span;
            yield break;
        }
        if (hole.Start > span.Start)
        {
            yield return span with { End = hole.Start };
        }
        if (hole.End < span.End)
        {
            yield return span with { Start = hole.End };
        }
    }

    private static bool TryTokenize(string text, out List<Token> tokens, out string? error)
    {
        tokens = [];
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            var start = i;
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsAsciiLetter(c) || char.IsAsciiDigit(c))
            {
                var letters = char.IsAsciiLetter(c);
                while (i < text.Length && (letters ? char.IsAsciiLetter(text[i]) : char.IsAsciiDigit(text[i])))
                {
                    i++;
                }
                tokens.Add(new(letters ? TokenKind.Word : TokenKind.Number, text[start..i], start));
            }
            else if (c == '"')
            {
                var end = text.IndexOf('"', i + 1);
                if (end < 0)
                {
                    error = $"a comment is not closed with '\"' at {Quote(text, text.Length)}";
                    return false;
                }
                tokens.Add(new(TokenKind.Comment, text[start..(end + 1)], start));
                i = end + 1;
            }
            else
            {
                TokenKind? kind = c switch
                {
                    ':' => TokenKind.Colon,
                    '-' => TokenKind.Dash,
                    ',' => TokenKind.Comma,
                    ';' => TokenKind.Semicolon,
                    '/' => TokenKind.Slash,
                    _ => null,
                };
                if (kind is null)
                {
                    var at = Quote(text, start + 1);
                    error = c switch
                    {
                        '|' => $"fallback rules (||) are not supported at {at}",
                        '+' => $"open-ended times (+) are not supported at {at}",
                        '[' => $"nth-weekday selectors ([n]) are not supported at {at}",
                        '(' => $"sun times with offsets are not supported at {at}",
                        _ => $"unexpected character '{c}' at {at}",
                    };
                    return false;
                }
                tokens.Add(new(kind.Value, text[start..(i + 1)], start));
                i++;
            }
        }
        tokens.Add(new(TokenKind.End, "", text.Length));
        error = null;
        return true;
    }

    /// <summary>The first <paramref name="end"/> characters of <paramref name="text"/> in quotes, the last 40 of them when
    /// longer.</summary>
    private static string Quote(string text, int end)
    {
        var shown = text[..Math.Min(end, text.Length)].Trim();
        return shown.Length > 40 ? $"'…{shown[^40..]}'" : $"'{shown}'";
    }

    /// <summary>
    /// Recursive descent over:
    /// <code>
    /// rules    = rule { ";" rule } [";"]
    /// rule     = "24/7" [comment] | [dates] [weeks] [":"] [selector] [times] [modifier] [comment]   (at least one part)
    /// dates    = date { "," date };  date = month [day] ["-" (month [day] | day)]
    /// weeks    = "week" n ["-" n ["/" step]] { "," n ["-" n ["/" step]] }
    /// selector = item { "," item };  item = "PH" | weekday ["-" weekday]
    /// times    = range { "," range };  range = time "-" time;  time = h[h] ":" mm | "sunrise" | "sunset" | "dawn" | "dusk"
    /// modifier = "open" | "off" | "closed" | "unknown"
    /// </code>
    /// </summary>
    private sealed class Parser(List<Token> tokens, string text)
    {
        private int _next;

        public string? Error { get; private set; }

        private Token Peek => tokens[_next];

        // Safe to look one past Peek whenever Peek is not the closing End token.
        private Token PeekAfter => tokens[_next + 1];

        public bool ParseRules([NotNullWhen(true)] out List<Rule>? rules)
        {
            rules = [];
            do
            {
                if (Peek.Kind == TokenKind.End && rules.Count > 0)
                {
                    break;
                }
                if (!ParseRule(out var rule))
                {
                    return false;
                }
                rules.Add(rule);
            }
            while (Accept(TokenKind.Semicolon));

            if (Peek.Kind == TokenKind.Comma)
            {
                return Fail($"additional rules joined by ',' are not supported at {Near(Peek)}");
            }
            return Peek.Kind == TokenKind.End || Fail($"expected ';' at {Near(Peek)}");
        }

        private bool ParseRule([NotNullWhen(true)] out Rule? rule)
        {
            rule = null;
            var start = Peek;
            if (AcceptTwentyFourSeven())
            {
                var commented = Peek.Kind == TokenKind.Comment;
                if (commented)
                {
                    _next++;
                }
                rule = new Rule(null, null, AllDays, false, WholeDay, Off: false, Unknown: commented);
                return true;
            }

            DateRange[]? dates = null;
            if (IsWord(Peek, Months) >= 0 && !ParseDates(out dates))
            {
                return false;
            }
            WeekRange[]? weeks = null;
            if (Peek is { Kind: TokenKind.Word } && Peek.Text.Equals("week", StringComparison.OrdinalIgnoreCase) && !ParseWeeks(out weeks))
            {
                return false;
            }
            if ((dates is not null || weeks is not null) && Peek.Kind == TokenKind.Colon)
            {
                _next++;
            }

            var hasSelector = false;
            var days = AllDays;
            var publicHolidays = false;
            if (Peek.Kind == TokenKind.Word && !IsModifier(Peek.Text) && IsWord(Peek, SunEvents) < 0)
            {
                if (!ParseSelector(out days, out publicHolidays))
                {
                    return false;
                }
                hasSelector = true;
            }

            TimeRange[]? times = null;
            if ((Peek.Kind == TokenKind.Number || IsWord(Peek, SunEvents) >= 0) && !ParseTimes(out times))
            {
                return false;
            }

            var off = false;
            var unknown = false;
            var hasModifier = false;
            if (Peek.Kind == TokenKind.Word)
            {
                if (!IsModifier(Peek.Text))
                {
                    return Fail(IsSelector(Peek.Text)
                        ? $"expected ';' before '{Peek.Text}' at {Near(Peek)}"
                        : $"'{Peek.Text}' is not supported at {Near(Peek)}");
                }
                off = Peek.Text.Equals("off", StringComparison.OrdinalIgnoreCase) || Peek.Text.Equals("closed", StringComparison.OrdinalIgnoreCase);
                unknown = Peek.Text.Equals("unknown", StringComparison.OrdinalIgnoreCase);
                hasModifier = true;
                _next++;
            }
            var hasComment = false;
            if (Peek.Kind == TokenKind.Comment)
            {
                hasComment = true;
                _next++;
            }

            if (dates is null && weeks is null && !hasSelector && times is null && !hasModifier && !hasComment)
            {
                return Fail($"expected weekdays, PH, months or a time at {Near(start)}");
            }
            // With times, "off" closes only part of the day, which this model of whole-day rules cannot express.
            if (off && times is not null)
            {
                return Fail($"times followed by off/closed are not supported at {Near(tokens[_next - 1])}");
            }
            rule = new Rule(dates, weeks, days, publicHolidays, off ? [] : times ?? WholeDay, off, !off && (unknown || hasComment));
            return true;
        }

        private bool ParseDates([NotNullWhen(true)] out DateRange[]? dates)
        {
            dates = null;
            var ranges = new List<DateRange>();
            do
            {
                var fromMonth = IsWord(Peek, Months) + 1;
                if (fromMonth == 0)
                {
                    return Fail($"expected a month (Jan … Dec) at {Near(Peek)}");
                }
                _next++;
                if (!ParseDay(out var fromDay))
                {
                    return false;
                }
                var (toMonth, toDay) = (fromMonth, fromDay);
                if (Accept(TokenKind.Dash))
                {
                    if (IsWord(Peek, Months) >= 0)
                    {
                        toMonth = IsWord(Peek, Months) + 1;
                        _next++;
                        if (!ParseDay(out toDay))
                        {
                            return false;
                        }
                    }
                    else if (fromDay > 0 && IsDay(Peek))
                    {
                        if (!ParseDay(out toDay))
                        {
                            return false;
                        }
                    }
                    else
                    {
                        return Fail($"expected a month or a day at {Near(Peek)}");
                    }
                }
                // A month without a day is the whole month: from its 1st, to its last day.
                ranges.Add(new DateRange((fromMonth * 32) + Math.Max(fromDay, 1), (toMonth * 32) + (toDay > 0 ? toDay : 31)));
            }
            while (Peek.Kind == TokenKind.Comma && IsWord(PeekAfter, Months) >= 0 && Accept(TokenKind.Comma));
            dates = [.. ranges];
            return true;
        }

        private static bool IsDay(Token token) => token.Kind == TokenKind.Number && token.Text.Length <= 2;

        /// <summary>A day of the month after a month name, or 0 when none follows (a number followed by ':' is a time).</summary>
        private bool ParseDay(out int day)
        {
            day = 0;
            if (!IsDay(Peek) || PeekAfter.Kind == TokenKind.Colon)
            {
                return true;
            }
            day = int.Parse(Peek.Text, NumberStyles.None, CultureInfo.InvariantCulture);
            if (day is < 1 or > 31)
            {
                return Fail($"expected a day of the month (1 to 31) at {Near(Peek)}");
            }
            _next++;
            return true;
        }

        private bool ParseWeeks([NotNullWhen(true)] out WeekRange[]? weeks)
        {
            weeks = null;
            _next++;
            var ranges = new List<WeekRange>();
            do
            {
                if (!ParseWeekNumber(out var from))
                {
                    return false;
                }
                var (to, step) = (from, 1);
                if (Accept(TokenKind.Dash))
                {
                    if (!ParseWeekNumber(out to))
                    {
                        return false;
                    }
                    if (Accept(TokenKind.Slash))
                    {
                        if (Peek.Kind != TokenKind.Number || !int.TryParse(Peek.Text, NumberStyles.None, CultureInfo.InvariantCulture, out step)
                            || step is < 1 or > 53)
                        {
                            return Fail($"expected a step of weeks (1 to 53) at {Near(Peek)}");
                        }
                        _next++;
                    }
                }
                ranges.Add(new WeekRange(from, to, step));
            }
            while (Peek.Kind == TokenKind.Comma && PeekAfter.Kind == TokenKind.Number && Accept(TokenKind.Comma));
            weeks = [.. ranges];
            return true;
        }

        private bool ParseWeekNumber(out int week)
        {
            week = 0;
            if (Peek.Kind != TokenKind.Number || !int.TryParse(Peek.Text, NumberStyles.None, CultureInfo.InvariantCulture, out week) || week is < 1 or > 53)
            {
                return Fail($"expected a week number (1 to 53) at {Near(Peek)}");
            }
            _next++;
            return true;
        }

        private bool ParseSelector(out int days, out bool publicHolidays)
        {
            days = 0;
            publicHolidays = false;
            do
            {
                var word = Peek;
                if (word.Kind == TokenKind.Word && word.Text.Equals("PH", StringComparison.OrdinalIgnoreCase))
                {
                    _next++;
                    publicHolidays = true;
                    continue;
                }
                if (!ParseWeekday(out var first))
                {
                    return false;
                }
                var last = first;
                if (Accept(TokenKind.Dash) && !ParseWeekday(out last))
                {
                    return false;
                }
                // Ranges may wrap past Sunday: Fr-Mo is Friday to Monday.
                for (var day = first; ; day = (day + 1) % 7)
                {
                    days |= 1 << day;
                    if (day == last)
                    {
                        break;
                    }
                }
            }
            while (Accept(TokenKind.Comma));
            return true;
        }

        private bool ParseWeekday(out int day)
        {
            var word = Peek;
            day = IsWord(word, Weekdays);
            if (day < 0)
            {
                return Fail(word.Kind == TokenKind.Word
                    ? $"'{word.Text}' is not supported at {Near(word)}"
                    : $"expected a weekday (Mo, Tu, We, Th, Fr, Sa, Su) at {Near(word)}");
            }
            _next++;
            return true;
        }

        private bool ParseTimes([NotNullWhen(true)] out TimeRange[]? times)
        {
            times = null;
            var ranges = new List<TimeRange>();
            while (true)
            {
                if (!ParseTime(out var start, MinutesPerDay - 1, "a start from 00:00 to 23:59")
                    || !Expect(TokenKind.Dash, "'-'")
                    || !ParseTime(out var end, 2 * MinutesPerDay, "an end up to 48:00"))
                {
                    return false;
                }
                ranges.Add(new(start, end));
                // A comma followed by a weekday starts an additional rule, which ParseRules reports.
                if (Peek.Kind != TokenKind.Comma || (PeekAfter.Kind != TokenKind.Number && IsWord(PeekAfter, SunEvents) < 0))
                {
                    break;
                }
                _next++;
            }
            times = [.. ranges];
            return true;
        }

        /// <summary>hh:mm, at most <paramref name="latest"/> minutes, or a sun event; the message names the text up to the
        /// bad token.</summary>
        private bool ParseTime(out TimePoint time, int latest, string bounds)
        {
            time = default;
            var hours = Peek;
            if (IsWord(hours, SunEvents) is var sun and >= 0)
            {
                _next++;
                time = new TimePoint((SunEvent)(sun + 1), 0);
                return true;
            }
            if (hours.Kind != TokenKind.Number || hours.Text.Length > 2)
            {
                return Fail($"expected a time at {Near(hours)} (hh:mm, like 08:00)");
            }
            _next++;
            if (Peek.Kind != TokenKind.Colon)
            {
                return Fail($"expected a time at {Near(Peek)} (hh:mm, like 08:00)");
            }
            _next++;
            var mm = Peek;
            if (mm.Kind != TokenKind.Number || mm.Text.Length != 2)
            {
                return Fail($"expected a time at {Near(mm)} (two-digit minutes, like 08:00)");
            }
            _next++;
            var minute = int.Parse(mm.Text, NumberStyles.None, CultureInfo.InvariantCulture);
            var minutes = (int.Parse(hours.Text, NumberStyles.None, CultureInfo.InvariantCulture) * 60) + minute;
            if (minute > 59 || minutes > latest)
            {
                return Fail($"expected a time at {Near(mm)} ({(minute > 59 ? "minutes from 00 to 59" : bounds)})");
            }
            time = TimePoint.At(minutes);
            return true;
        }

        private bool AcceptTwentyFourSeven()
        {
            if (Peek is not { Kind: TokenKind.Number, Text: "24" } || PeekAfter.Kind != TokenKind.Slash)
            {
                return false;
            }
            var seven = tokens[_next + 2];
            if (seven is not { Kind: TokenKind.Number, Text: "7" })
            {
                return false;
            }
            _next += 3;
            return true;
        }

        private static int IsWord(Token token, string[] words) =>
            token.Kind == TokenKind.Word ? Array.FindIndex(words, name => name.Equals(token.Text, StringComparison.OrdinalIgnoreCase)) : -1;

        private static bool IsSelector(string word) =>
            word.Equals("PH", StringComparison.OrdinalIgnoreCase) || word.Equals("week", StringComparison.OrdinalIgnoreCase)
            || Array.Exists(Weekdays, name => name.Equals(word, StringComparison.OrdinalIgnoreCase))
            || Array.Exists(Months, name => name.Equals(word, StringComparison.OrdinalIgnoreCase));

        private static bool IsModifier(string word) =>
            word.Equals("open", StringComparison.OrdinalIgnoreCase)
            || word.Equals("off", StringComparison.OrdinalIgnoreCase)
            || word.Equals("closed", StringComparison.OrdinalIgnoreCase)
            || word.Equals("unknown", StringComparison.OrdinalIgnoreCase);

        private bool Accept(TokenKind kind)
        {
            if (Peek.Kind != kind)
            {
                return false;
            }
            _next++;
            return true;
        }

        private bool Expect(TokenKind kind, string what) =>
            Accept(kind) || Fail($"expected {what} at {Near(Peek)}");

        /// <summary>The text up to and including <paramref name="token"/>, quoted: where a reader finds the fault.</summary>
        private string Near(Token token) => Quote(text, token.Position + token.Text.Length);

        private bool Fail(string message)
        {
            Error ??= message;
            return false;
        }
    }

    private enum TokenKind { Word, Number, Colon, Dash, Comma, Semicolon, Slash, Comment, End }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    private enum SunEvent { None, Dawn, Sunrise, Sunset, Dusk }

    /// <summary>A fixed minute of the day, or a sun event of the date.</summary>
    private readonly record struct TimePoint(SunEvent Sun, int Minutes)
    {
        public static TimePoint At(int minutes) => new(SunEvent.None, minutes);

        public int? Resolve(DateOnly date, HoursPlace place)
        {
            if (Sun == SunEvent.None)
            {
                return Minutes;
            }
            if (place.Position is not { } position || SolarTimes.For(date, position.Lat, position.Lon, place.Zone) is not { } sun)
            {
                return null;
            }
            return Sun switch
            {
                SunEvent.Dawn => sun.Dawn,
                SunEvent.Sunrise => sun.Sunrise,
                SunEvent.Sunset => sun.Sunset,
                _ => sun.Dusk,
            };
        }
    }

    private readonly record struct TimeRange(TimePoint Start, TimePoint End)
    {
        /// <summary>Minutes from the date's start; an end at or before the start runs into the next day (22:00-02:00, and
        /// 00:00-00:00 is all day). Null when a sun time is unknown there.</summary>
        public (int Start, int End)? Resolve(DateOnly date, HoursPlace place)
        {
            if (Start.Resolve(date, place) is not { } start || End.Resolve(date, place) is not { } end)
            {
                return null;
            }
            return (start, end <= start ? end + MinutesPerDay : end);
        }
    }

    /// <summary>Month × 32 + day, from and to (inclusive); from after to wraps past the new year.</summary>
    private readonly record struct DateRange(int From, int To)
    {
        public bool Contains(DateOnly date)
        {
            var at = (date.Month * 32) + date.Day;
            return From <= To ? at >= From && at <= To : at >= From || at <= To;
        }
    }

    private readonly record struct WeekRange(int From, int To, int Step)
    {
        public bool Contains(int week) => week >= From && week <= To && (week - From) % Step == 0;
    }

    /// <param name="Dates">Month and date ranges the rule is limited to, or null for every date.</param>
    /// <param name="Weeks">ISO week ranges the rule is limited to, or null for every week.</param>
    /// <param name="Days">Bit d set for weekday d (Monday = 0).</param>
    /// <param name="OnPublicHolidays">The selector includes PH.</param>
    /// <param name="Times">The hours; empty for off/closed.</param>
    /// <param name="Off">off or closed: the selected days are shut.</param>
    /// <param name="Unknown">The modifier unknown, or a comment: the times are unknown rather than open.</param>
    private sealed record Rule(DateRange[]? Dates, WeekRange[]? Weeks, int Days, bool OnPublicHolidays, TimeRange[] Times, bool Off, bool Unknown)
    {
        public bool UsesSun => Array.Exists(Times, t => t.Start.Sun != SunEvent.None || t.End.Sun != SunEvent.None);

        public bool Selects(DateOnly date, int weekday, DayKind kind) =>
            (Dates is null || Array.Exists(Dates, d => d.Contains(date)))
            && (Weeks is null || Array.Exists(Weeks, w => w.Contains(ISOWeek.GetWeekOfYear(date.ToDateTime(TimeOnly.MinValue)))))
            && ((Days & (1 << weekday)) != 0 || (OnPublicHolidays && kind == DayKind.PublicHoliday));
    }

    /// <summary>Minutes from the start of a day; End is exclusive.</summary>
    private readonly record struct Span(int Start, int End, bool Unknown);

    /// <param name="Spans">Sorted, disjoint spans within the day, open or unknown.</param>
    /// <param name="Unknown">Outside the spans the day is unknown rather than closed.</param>
    private sealed record DayPlan(Span[] Spans, bool Unknown)
    {
        public bool SameAs(DayPlan other) => Unknown == other.Unknown && Spans.AsSpan().SequenceEqual(other.Spans);
    }
}

/// <summary>What a date is at a place, for opening hours.</summary>
public enum DayKind
{
    Ordinary,
    PublicHoliday,

    /// <summary>A weekend day worked in exchange for a holiday (China's 调休 make-up working days).</summary>
    WorkingDay,
}

/// <summary>
/// Where opening hours are evaluated: the time zone, the position (for sunrise and sunset; null when not known) and the
/// calendar of public holidays (null: every day ordinary).
/// </summary>
public sealed record HoursPlace(TimeZoneInfo Zone, (double Lat, double Lon)? Position, Func<DateOnly, DayKind>? Calendar)
{
    /// <summary>No position, no holidays, UTC.</summary>
    public static readonly HoursPlace Nowhere = new(TimeZoneInfo.Utc, null, null);

    public DayKind Day(DateOnly date) => Calendar?.Invoke(date) ?? DayKind.Ordinary;

    /// <summary>This place with one date of the given kind and every other date ordinary.</summary>
    public HoursPlace WithDay(DateOnly date, DayKind kind) =>
        kind == DayKind.Ordinary && Calendar is null ? this : this with { Calendar = d => d == date ? kind : DayKind.Ordinary };
}
