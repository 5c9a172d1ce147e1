using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// The common part of OpenStreetMap's <c>opening_hours</c> syntax
/// (https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification): <c>24/7</c>, weekday and <c>PH</c>
/// selectors, time ranges (also past midnight, up to <c>48:00</c>), <c>off</c>/<c>closed</c>/<c>open</c>, and
/// rules separated by <c>;</c> where a later rule replaces earlier ones for the days it selects.
/// Everything else (sunrise, months, weeks, years, comments, <c>||</c>, <c>+</c>, <c>[n]</c>, school holidays)
/// fails to parse, so such a facility is "unknown" rather than guessed open or shut.
/// </summary>
public sealed class OpeningHours
{
    private const int MinutesPerDay = 24 * 60;
    private const int AllDays = 0b111_1111;
    private const int MaxCached = 4096;

    // Index = day of the week with Monday = 0, the OSM order.
    private static readonly string[] Weekdays = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
    private static readonly MinuteRange[] WholeDay = [new(0, MinutesPerDay)];

    private static readonly ConcurrentDictionary<string, (OpeningHours? Hours, string? Error)> Cache =
        new(StringComparer.Ordinal);

    private readonly DayHours[] _ordinary;

    // _onPublicHoliday[d] is weekday d when it is a public holiday and the day before is not; null when no
    // rule mentions PH, so a holiday is then an ordinary day.
    private readonly DayHours[]? _onPublicHoliday;

    private OpeningHours(List<Rule> rules)
    {
        _ordinary = Timeline(rules, holiday: null);
        if (rules.Exists(rule => rule.OnPublicHolidays))
        {
            _onPublicHoliday = new DayHours[7];
            for (var day = 0; day < 7; day++)
            {
                _onPublicHoliday[day] = Timeline(rules, holiday: day)[day];
            }
        }
    }

    public bool MentionsPublicHolidays => _onPublicHoliday is not null;

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
    /// evaluates as an ordinary day. The day before is always taken as an ordinary day, which matters only for
    /// hours running past midnight into this date.
    /// </param>
    /// <remarks>
    /// On a known holiday whose governing rule is <c>PH off</c> the answer is null, not false: holiday data is
    /// not trusted enough to send someone away from a toilet that may well be open.
    /// </remarks>
    public bool? IsOpenAt(DateTime localTime, bool? isPublicHoliday = null)
    {
        var day = ((int)localTime.DayOfWeek + 6) % 7;
        var minute = (localTime.Hour * 60) + localTime.Minute;
        var hours = isPublicHoliday == true && _onPublicHoliday is not null ? _onPublicHoliday[day] : _ordinary[day];
        foreach (var range in hours.Open)
        {
            if (minute >= range.Start && minute < range.End)
            {
                return true;
            }
        }
        return hours.Unknown ? null : false;
    }

    /// <summary>
    /// The first minute after <paramref name="localTime"/> at which <see cref="IsOpenAt"/> answers differently, and
    /// that answer; null when nothing changes within eight days (24/7, or always shut). Public holidays are taken
    /// as ordinary days, as <see cref="IsOpenAt"/> does without a calendar.
    /// </summary>
    /// <param name="localTime">Local time at the facility; its <see cref="DateTime.Kind"/> is ignored.</param>
    public (DateTime At, bool? OpenAfter)? NextChangeAfter(DateTime localTime)
    {
        var now = new DateTime(localTime.Year, localTime.Month, localTime.Day, localTime.Hour, localTime.Minute, 0, DateTimeKind.Unspecified);
        var state = IsOpenAt(now);
        // The answer can only change where a day starts or an opening range starts or ends; try those in order.
        for (var offset = 0; offset <= 8; offset++)
        {
            var date = now.Date.AddDays(offset);
            var hours = _ordinary[((int)date.DayOfWeek + 6) % 7];
            var boundaries = new List<int>(1 + (2 * hours.Open.Length)) { 0 };
            foreach (var range in hours.Open)
            {
                boundaries.Add(range.Start);
                boundaries.Add(range.End);
            }
            foreach (var minute in boundaries)
            {
                var at = date.AddMinutes(minute);
                if (at <= now)
                {
                    continue;
                }
                var next = IsOpenAt(at);
                if (next != state)
                {
                    return (at, next);
                }
            }
        }
        return null;
    }

    /// <summary>Open (true), closed (false) or unknown (null, also for missing or unsupported hours) at an instant.</summary>
    public static bool? IsOpen(string? text, DateTimeOffset instantUtc, TimeZoneInfo zone, bool? isPublicHoliday = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return TryParse(text, out var hours, out _)
            ? hours.IsOpenAt(TimeZoneInfo.ConvertTime(instantUtc, zone).DateTime, isPublicHoliday)
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

    /// <summary>
    /// Applies the rules in order to one week. A rule takes over every day it selects, including hours an
    /// earlier rule spilled into that day past midnight (so in <c>Tu-Th 07:00-04:00; Fr 09:00-17:00</c> Friday
    /// starts closed), as the OSM specification and the reference evaluator do. <paramref name="holiday"/> is
    /// the weekday taken as a public holiday, or null for an ordinary week.
    /// </summary>
    private static DayHours[] Timeline(List<Rule> rules, int? holiday)
    {
        var open = new List<MinuteRange>[7];
        var unknown = new bool[7];
        for (var day = 0; day < 7; day++)
        {
            open[day] = [];
        }
        foreach (var rule in rules)
        {
            var selected = rule.Days | (rule.OnPublicHolidays && holiday is { } h ? 1 << h : 0);
            // Clear all selected days before adding any hours, or Mo-Fr 22:00-02:00 would wipe its own spill
            // into Tuesday when it reaches Tuesday.
            for (var day = 0; day < 7; day++)
            {
                if ((selected & (1 << day)) != 0)
                {
                    open[day].Clear();
                    unknown[day] = rule.Open is null && (rule.Days & (1 << day)) == 0;
                }
            }
            if (rule.Open is null)
            {
                continue;
            }
            for (var day = 0; day < 7; day++)
            {
                if ((selected & (1 << day)) == 0)
                {
                    continue;
                }
                foreach (var range in rule.Open)
                {
                    open[day].Add(new(range.Start, Math.Min(range.End, MinutesPerDay)));
                    if (range.End > MinutesPerDay)
                    {
                        open[(day + 1) % 7].Add(new(0, range.End - MinutesPerDay));
                    }
                }
            }
        }
        var week = new DayHours[7];
        for (var day = 0; day < 7; day++)
        {
            week[day] = new(Merge(open[day]), unknown[day]);
        }
        return week;
    }

    private static MinuteRange[] Merge(List<MinuteRange> ranges)
    {
        ranges.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<MinuteRange>(ranges.Count);
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, range.End) };
            }
            else
            {
                merged.Add(range);
            }
        }
        return [.. merged];
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
                    error = c switch
                    {
                        '"' => "comments (\"...\") are not supported",
                        '|' => "fallback rules (||) are not supported",
                        '+' => "open-ended times (+) are not supported",
                        '[' => "nth-weekday selectors ([n]) are not supported",
                        '(' => "variable times are not supported",
                        _ => $"unexpected character '{c}' at {Quote(text, start + 1)}",
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

    /// <summary>
    /// Recursive descent over:
    /// <code>
    /// rules    = rule { ";" rule } [";"]
    /// rule     = "24/7" | [selector] [times] ["off" | "closed" | "open"]   (at least one part)
    /// selector = item { "," item };  item = "PH" | weekday ["-" weekday]
    /// times    = time "-" time { "," time "-" time };  time = h[h] ":" mm
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
                return Fail("additional rules joined by ',' are not supported");
            }
            return Peek.Kind == TokenKind.End || Fail($"expected ';' at {Near(Peek)}");
        }

        private bool ParseRule([NotNullWhen(true)] out Rule? rule)
        {
            rule = null;
            var start = Peek;
            if (AcceptTwentyFourSeven())
            {
                rule = new Rule(AllDays, false, WholeDay);
                return true;
            }

            var hasSelector = false;
            var days = 0;
            var publicHolidays = false;
            if (Peek.Kind == TokenKind.Word && !IsModifier(Peek.Text))
            {
                if (!ParseSelector(out days, out publicHolidays))
                {
                    return false;
                }
                hasSelector = true;
            }

            MinuteRange[]? times = null;
            if (Peek.Kind == TokenKind.Number && !ParseTimes(out times))
            {
                return false;
            }

            var off = false;
            var hasModifier = false;
            if (Peek.Kind == TokenKind.Word)
            {
                if (!IsModifier(Peek.Text))
                {
                    return Fail(IsSelector(Peek.Text)
                        ? $"expected ';' before '{Peek.Text}' at {Near(Peek)}"
                        : $"'{Peek.Text}' is not supported at {Near(Peek)}");
                }
                off = !Peek.Text.Equals("open", StringComparison.OrdinalIgnoreCase);
                hasModifier = true;
                _next++;
            }

            if (!hasSelector && times is null && !hasModifier)
            {
                return Fail($"expected weekdays, PH or a time at {Near(start)}");
            }
            // With times, "off" closes only part of the day, which this model of whole-day rules cannot express.
            if (off && times is not null)
            {
                return Fail("times followed by off/closed are not supported");
            }
            rule = new Rule(hasSelector ? days : AllDays, publicHolidays, off ? null : times ?? WholeDay);
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
            day = word.Kind == TokenKind.Word
                ? Array.FindIndex(Weekdays, name => name.Equals(word.Text, StringComparison.OrdinalIgnoreCase))
                : -1;
            if (day < 0)
            {
                return Fail(word.Kind == TokenKind.Word
                    ? $"'{word.Text}' is not supported at {Near(word)}"
                    : $"expected a weekday (Mo, Tu, We, Th, Fr, Sa, Su) at {Near(word)}");
            }
            _next++;
            return true;
        }

        private bool ParseTimes([NotNullWhen(true)] out MinuteRange[]? times)
        {
            times = null;
            var ranges = new List<MinuteRange>();
            while (true)
            {
                if (!ParseTime(out var start, MinutesPerDay - 1, "a start from 00:00 to 23:59")
                    || !Expect(TokenKind.Dash, "'-'")
                    || !ParseTime(out var end, 2 * MinutesPerDay, "an end up to 48:00"))
                {
                    return false;
                }
                // An end at or before the start runs into the next day: 22:00-02:00, and 00:00-00:00 is all day.
                ranges.Add(new(start, end <= start ? end + MinutesPerDay : end));
                // A comma followed by a weekday starts an additional rule, which ParseRules reports.
                if (Peek.Kind != TokenKind.Comma || PeekAfter.Kind != TokenKind.Number)
                {
                    break;
                }
                _next++;
            }
            times = [.. ranges];
            return true;
        }

        /// <summary>hh:mm, at most <paramref name="latest"/> minutes; the message names the text up to the bad token.</summary>
        private bool ParseTime(out int minutes, int latest, string bounds)
        {
            minutes = 0;
            var hours = Peek;
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
            minutes = (int.Parse(hours.Text, NumberStyles.None, CultureInfo.InvariantCulture) * 60) + minute;
            if (minute > 59 || minutes > latest)
            {
                return Fail($"expected a time at {Near(mm)} ({(minute > 59 ? "minutes from 00 to 59" : bounds)})");
            }
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

        private static bool IsSelector(string word) =>
            word.Equals("PH", StringComparison.OrdinalIgnoreCase)
            || Array.Exists(Weekdays, name => name.Equals(word, StringComparison.OrdinalIgnoreCase));

        private static bool IsModifier(string word) =>
            word.Equals("open", StringComparison.OrdinalIgnoreCase)
            || word.Equals("off", StringComparison.OrdinalIgnoreCase)
            || word.Equals("closed", StringComparison.OrdinalIgnoreCase);

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

    /// <summary>The first <paramref name="end"/> characters of <paramref name="text"/> in quotes, the last 40 of them when
    /// longer.</summary>
    private static string Quote(string text, int end)
    {
        var shown = text[..Math.Min(end, text.Length)].Trim();
        return shown.Length > 40 ? $"'…{shown[^40..]}'" : $"'{shown}'";
    }

    private enum TokenKind { Word, Number, Colon, Dash, Comma, Semicolon, Slash, End }

    private readonly record struct Token(TokenKind Kind, string Text, int Position);

    /// <summary>Minutes from the start of a day; End is exclusive and may pass 24:00.</summary>
    private readonly record struct MinuteRange(int Start, int End);

    /// <param name="Days">Bit d set for weekday d (Monday = 0).</param>
    /// <param name="OnPublicHolidays">The selector includes PH.</param>
    /// <param name="Open">The hours, or null for off/closed.</param>
    private sealed record Rule(int Days, bool OnPublicHolidays, MinuteRange[]? Open);

    /// <param name="Open">Sorted, disjoint ranges within the day.</param>
    /// <param name="Unknown">Closed only by <c>PH off</c> on a holiday, which is reported as unknown.</param>
    private readonly record struct DayHours(MinuteRange[] Open, bool Unknown);
}
