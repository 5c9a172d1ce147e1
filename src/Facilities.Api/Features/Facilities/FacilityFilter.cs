using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Facilities;

/// <summary>The resident filters, as the client sent them; shared by nearby and bbox queries.</summary>
public interface IFacilityFilterParameters
{
    string? Category { get; }
    string? OpenNow { get; }
    string? Wheelchair { get; }
    string? Free { get; }
    string? ChangingTable { get; }
    string? Gender { get; }
    string? Access { get; }

    /// <summary>The instant open_now is evaluated at (RFC 3339); now when absent.</summary>
    string? At { get; }
}

/// <summary>Validation of the filter parameters, for validators of requests that carry them.</summary>
public abstract class FacilityFilterValidator<T> : AbstractValidator<T> where T : IFacilityFilterParameters
{
    protected FacilityFilterValidator(CategoryCatalog categories)
    {
        RuleFor(x => x.Category).MustBeKnownCategories(categories);
        RuleFor(x => x.OpenNow).Must(BeBoolean).WithMessage("Must be true or false.");
        RuleFor(x => x.Free).Must(BeBoolean).WithMessage("Must be true or false.");
        RuleFor(x => x.ChangingTable).Must(BeBoolean).WithMessage("Must be true or false.");
        RuleFor(x => x.Wheelchair).Must(v => BeListOf(v, FacilityFilter.WheelchairFilterValues))
            .WithMessage($"Must be one or more of: {string.Join(", ", FacilityFilter.WheelchairFilterValues)}.");
        RuleFor(x => x.Gender).Must(v => BeListOf(v, CoreAttributes.Genders))
            .WithMessage($"Must be one or more of: {string.Join(", ", CoreAttributes.Genders)}.");
        RuleFor(x => x.Access).Must(v => BeListOf(v, CoreAttributes.Accesses))
            .WithMessage($"Must be one or more of: {string.Join(", ", CoreAttributes.Accesses)}.");
        RuleFor(x => x.At).Must(v => v is null || QueryValues.TryParseInstant(v, out _))
            .WithMessage(QueryValues.InstantMessage);
    }

    private static bool BeBoolean(string? value) => value is null || QueryValues.TryParseBool(value, out _);

    private static bool BeListOf(string? value, string[] allowed) =>
        value is null || (QueryValues.SplitList(value) is { Length: > 0 } items && items.All(allowed.Contains));
}

public static class CategoryRules
{
    /// <summary>One category id or a comma-separated list, each of them in the catalog.</summary>
    public static IRuleBuilderOptionsConditions<T, string?> MustBeKnownCategories<T>(this IRuleBuilder<T, string?> rule, CategoryCatalog categories) =>
        rule.Custom((value, context) =>
        {
            if (value is null)
            {
                return;
            }
            var items = QueryValues.SplitList(value);
            if (items.Length == 0)
            {
                context.AddFailure("category", "Must name a category.");
            }
            foreach (var unknown in items.Where(c => !categories.IsKnown(c)))
            {
                context.AddFailure("category", $"Unknown category '{unknown}'. Known: {string.Join(", ", categories.All.Select(k => k.Id))}.");
            }
        });
}

/// <summary>
/// Parsed resident filters. Everything but open_now is pushed into SQL (<see cref="SqlCondition"/>); open_now
/// depends on each facility's opening hours and time zone and is evaluated on the rows SQL returns.
/// </summary>
public sealed record FacilityFilter(
    string[]? Categories,
    bool OpenNowOnly,
    string[]? Wheelchair,
    bool? Free,
    bool? ChangingTable,
    string[]? Gender,
    string[]? Access,
    DateTimeOffset At)
{
    /// <summary>wheelchair=true is shorthand for "yes" (fully accessible).</summary>
    public static readonly string[] WheelchairFilterValues = [.. CoreAttributes.WheelchairValues, "true"];

    public static FacilityFilter From(IFacilityFilterParameters p, DateTimeOffset now)
    {
        static string[]? List(string? v) => QueryValues.SplitList(v) is { Length: > 0 } items ? items : null;
        static bool? Bool(string? v) => QueryValues.TryParseBool(v, out var b) ? b : null;
        return new FacilityFilter(
            List(p.Category),
            Bool(p.OpenNow) == true,
            List(p.Wheelchair)?.Select(w => w == "true" ? "yes" : w).Distinct().ToArray(),
            Bool(p.Free),
            Bool(p.ChangingTable),
            List(p.Gender),
            List(p.Access),
            QueryValues.TryParseInstant(p.At, out var at) ? at : now);
    }

    /// <summary>
    /// The filter as a SQL condition on a facilities table aliased <c>f</c>: removed facilities never (they are not
    /// in the public layer), and one test for each filter that is set, on parameters $1..$6 in the order of
    /// <see cref="AddParameters"/> (an unset filter's parameter is bound as null and goes unused). Only the set
    /// filters are written because nearby runs on generic plans (<see cref="GenericPlanDataSource"/>), which cannot
    /// fold a "$1 is null or ..." away and would test all six on every candidate row: pgbench measured the
    /// unfiltered query 5 % slower that way. Each combination of filters is thus its own statement, prepared once
    /// it has been used twice. free=true means "no fee"; gender matches facilities that list any of the asked
    /// genders.
    /// </summary>
    public string SqlCondition()
    {
        (object? Value, string Test)[] filters =
        [
            (Categories, "f.category = any($1)"),
            (Wheelchair, "f.wheelchair = any($2)"),
            (Free, "f.fee = not $3"),
            (ChangingTable, "f.changing_table = $4"),
            (Gender, "f.gender && $5"),
            (Access, "f.access = any($6)"),
        ];
        return string.Join(" and ", ["f.status <> 'removed'", .. filters.Where(f => f.Value is not null).Select(f => f.Test)]);
    }

    /// <summary>
    /// Equal for two filters exactly when their <see cref="SqlCondition"/> and parameters are: searches with equal
    /// keys can share one statement (the nearby search batches its candidates by it). open_now and the time are not in it:
    /// they are applied to the rows in C#. The values never contain ',' or '|': validation admits only category ids
    /// and fixed value lists, split on commas.
    /// </summary>
    public string SqlKey()
    {
        static string List(string[]? values) => values is null ? "-" : string.Join(',', values);
        static string Bool(bool? value) => value switch { null => "-", true => "t", false => "f" };
        return string.Join('|', List(Categories), List(Wheelchair), Bool(Free), Bool(ChangingTable), List(Gender), List(Access));
    }

    public void AddParameters(NpgsqlParameterCollection parameters)
    {
        parameters.Add(new NpgsqlParameter { Value = (object?)Categories ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)Wheelchair ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)Free ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter { Value = (object?)ChangingTable ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter { Value = (object?)Gender ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)Access ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
    }

    /// <summary>The part of the filter SQL cannot apply.</summary>
    public bool Accepts(FacilityRow row) => !OpenNowOnly || row.OpenAt(At) == true;
}
