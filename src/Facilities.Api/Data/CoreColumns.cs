using Facilities.Api.Web;
using NpgsqlTypes;

namespace Facilities.Api.Data;

/// <summary>How a core column is stored: its PostgreSQL type, and the .NET type its values have.</summary>
public enum CoreColumnType
{
    /// <summary><c>text</c>, a <see cref="string"/>.</summary>
    Text,

    /// <summary><c>boolean</c>, a <see cref="bool"/>.</summary>
    Boolean,

    /// <summary><c>timestamptz</c>, a UTC <see cref="DateTime"/>.</summary>
    Timestamp,

    /// <summary><c>text[]</c>, a <see cref="string"/> array (never null: empty when there is no value).</summary>
    TextList,
}

/// <summary>
/// One core attribute as a column of <c>facilities</c>: its name (the column's and, when <see cref="Published"/>, the
/// public attribute's), its type, and where its value is in a <see cref="FacilityState"/> and a <see cref="FacilityRow"/>.
/// </summary>
public sealed record CoreColumn(string Name, CoreColumnType Type, Func<FacilityState, object?> OfState, Func<FacilityRow, object?> OfRow,
    bool Published = true)
{
    public string SqlType => Type switch
    {
        CoreColumnType.Text => "text",
        CoreColumnType.Boolean => "boolean",
        CoreColumnType.Timestamp => "timestamptz",
        _ => "text[]",
    };

    public NpgsqlDbType DbType => Type switch
    {
        CoreColumnType.Text => NpgsqlDbType.Text,
        CoreColumnType.Boolean => NpgsqlDbType.Boolean,
        CoreColumnType.Timestamp => NpgsqlDbType.TimestampTz,
        _ => NpgsqlDbType.Array | NpgsqlDbType.Text,
    };
}

/// <summary>
/// The one list of the facilities table's attribute columns, in table order. Every statement that writes a facility's
/// attributes (<see cref="FacilityWriter"/>'s insert and update, <see cref="FacilityBulkWriter"/>'s staging table, COPY,
/// insert and update) and every open-data output (GeoJSON and OGC items, CSV, the change feed's properties, the OGC
/// HTML page) takes its columns from here, so a new core attribute is one entry, not a dozen lists that must agree.
/// Not in the list: the position (<c>geom</c>, written from lon/lat), the category attributes (the <c>attributes</c>
/// JSON), and what no version writes (<c>confidence</c>, <c>last_verified_at</c>, <c>version</c>, the times).
/// </summary>
public static class CoreColumns
{
    public static readonly IReadOnlyList<CoreColumn> All =
    [
        new("category", CoreColumnType.Text, s => s.Category, r => r.Category),
        new("name", CoreColumnType.Text, s => s.Name, r => r.Name),
        new("operator", CoreColumnType.Text, s => s.Operator, r => r.Operator),
        new("status", CoreColumnType.Text, s => s.Status.Name(), r => r.Status.Name()),
        new("status_until", CoreColumnType.Timestamp, s => s.StatusUntil, r => r.StatusUntil),
        new("access", CoreColumnType.Text, s => s.Access, r => r.Access),
        new("fee", CoreColumnType.Boolean, s => s.Fee, r => r.Fee),
        new("charge", CoreColumnType.Text, s => s.Charge, r => r.Charge),
        new("opening_hours", CoreColumnType.Text, s => s.OpeningHours, r => r.OpeningHours),
        // The zone the opening hours are read in: derived from the position unless a source names it, and not an
        // attribute of the public layer.
        new("time_zone", CoreColumnType.Text, s => s.TimeZone, r => r.TimeZone, Published: false),
        new("wheelchair", CoreColumnType.Text, s => s.Wheelchair, r => r.Wheelchair),
        new("changing_table", CoreColumnType.Boolean, s => s.ChangingTable, r => r.ChangingTable),
        new("adult_changing_table", CoreColumnType.Boolean, s => s.AdultChangingTable, r => r.AdultChangingTable),
        new("gender", CoreColumnType.TextList, s => s.Gender, r => r.Gender),
        new("key_scheme", CoreColumnType.Text, s => s.KeyScheme, r => r.KeyScheme),
        new("official_grade", CoreColumnType.Text, s => s.OfficialGrade, r => r.OfficialGrade),
    ];

    /// <summary>The columns that are public attributes, in the order the open-data outputs write them.</summary>
    public static readonly IReadOnlyList<CoreColumn> Published = [.. All.Where(c => c.Published)];

    /// <summary><c>category, name, ...</c>, each name after <paramref name="prefix"/> (a table alias and a dot).</summary>
    public static string Names(string prefix = "") => string.Join(", ", All.Select(c => prefix + c.Name));

    /// <summary><c>$first, $first+1, ...</c>: one positional parameter per column, in <see cref="All"/>'s order.</summary>
    public static string Parameters(int first) => string.Join(", ", All.Select((_, i) => $"${first + i}"));

    /// <summary><c>category = $first, name = $first+1, ...</c>, for an UPDATE's SET with parameters in <see cref="All"/>'s order.</summary>
    public static string SetFromParameters(int first) => string.Join(", ", All.Select((c, i) => $"{c.Name} = ${first + i}"));

    /// <summary><c>category = v.category, ...</c>, for an UPDATE's SET from a joined row aliased <paramref name="alias"/>.</summary>
    public static string SetFrom(string alias) => string.Join(", ", All.Select(c => $"{c.Name} = {alias}.{c.Name}"));

    /// <summary><c>category text, name text, ...</c>: the columns of a staging table.</summary>
    public static string Definitions() => string.Join(", ", All.Select(c => $"{c.Name} {c.SqlType}"));

    /// <summary>The values of <paramref name="state"/> in <see cref="All"/>'s order, as statement parameters take them.</summary>
    public static IEnumerable<object?> Values(FacilityState state) => All.Select(c => c.OfState(state));
}
