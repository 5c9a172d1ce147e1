using System.Globalization;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// GET /api/v1/facilities?bbox=...: the facilities inside a box, in a stable order (by id) with cursor paging,
/// so following next links returns every facility exactly once.
/// </summary>
public sealed record FacilitiesInBboxQuery(
    string? Bbox,
    string? Limit = null,
    string? Cursor = null,
    string? Category = null,
    string? OpenNow = null,
    string? Wheelchair = null,
    string? Free = null,
    string? ChangingTable = null,
    string? Gender = null,
    string? Access = null,
    string? At = null) : IRequest<FacilityPage>, IFacilityFilterParameters
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The largest box, in degrees each way: a city; for a whole country use the clusters endpoint.</summary>
    public const double MaxSpanDegrees = 2;
}

/// <summary>One page of features and the cursor of the next page, if any.</summary>
public sealed record FacilityPage(IReadOnlyList<FacilityFeature> Features, string? NextCursor);

public sealed class FacilitiesInBboxQueryValidator : FacilityFilterValidator<FacilitiesInBboxQuery>
{
    public FacilitiesInBboxQueryValidator(CategoryCatalog categories, Cursors cursors) : base(categories)
    {
        RuleFor(x => x.Bbox).Custom((value, context) =>
        {
            if (string.IsNullOrEmpty(value))
            {
                context.AddFailure("bbox", "Is required: minLon,minLat,maxLon,maxLat in degrees.");
            }
            else if (QueryValues.TryParseBbox(value, out var error) is not { } box)
            {
                context.AddFailure("bbox", error!);
            }
            else if (box.Width > FacilitiesInBboxQuery.MaxSpanDegrees || box.Height > FacilitiesInBboxQuery.MaxSpanDegrees)
            {
                context.AddFailure("bbox", $"Is larger than the maximum of {FacilitiesInBboxQuery.MaxSpanDegrees} degrees each way; " +
                                           "use /api/v1/facilities/clusters for larger areas.");
            }
        });
        RuleFor(x => x.Limit)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= FacilitiesInBboxQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {FacilitiesInBboxQuery.MaxLimit}.");
        RuleFor(x => x.Cursor)
            .Must(v => v is null || cursors.DecodeGuid(v) is not null)
            .WithMessage("Is not a cursor this service issued: use the next link of the previous page as it is.");
    }
}

public sealed class FacilitiesInBboxHandler(ReadSource dataSource, TimeProvider clock, Cursors cursors)
    : IRequestHandler<FacilitiesInBboxQuery, FacilityPage>
{
    /// <summary>
    /// Keyset paging on the primary key: each page starts after the last id of the previous one, so pages stay
    /// correct and fast however deep a client pages, with the GiST index doing the box test.
    /// $1..$6 filter, $7..$10 box, $11 the id to start after (null for the first page), $12 row count.
    /// </summary>
    public static string Sql(FacilityFilter filter) =>
        "select " + FacilityRow.Columns + " from facilities f " +
        "where f.geom && ST_MakeEnvelope($7, $8, $9, $10, 4326) and " + filter.SqlCondition() + " " +
        "and ($11::uuid is null or f.id > $11) " +
        "order by f.id limit $12";

    public async ValueTask<FacilityPage> Handle(FacilitiesInBboxQuery request, CancellationToken cancellationToken)
    {
        var box = QueryValues.TryParseBbox(request.Bbox, out _)!.Value;
        var limit = request.Limit is null ? FacilitiesInBboxQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        var filter = FacilityFilter.From(request, clock.GetUtcNow());
        var after = cursors.DecodeGuid(request.Cursor);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var page = new List<FacilityFeature>(limit);
        // open_now is decided per row after SQL, so a chunk may yield fewer than it read: read on until the page
        // is full or the box is exhausted. One row beyond the page tells whether a next page exists.
        var chunk = limit + 1;
        while (true)
        {
            await using var command = new NpgsqlCommand(Sql(filter), connection);
            filter.AddParameters(command.Parameters);
            foreach (var value in (double[])[box.MinLon, box.MinLat, box.MaxLon, box.MaxLat])
            {
                command.Parameters.Add(new NpgsqlParameter<double> { TypedValue = value });
            }
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = chunk });

            var read = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                read++;
                var row = FacilityRow.Read(reader);
                if (!filter.Accepts(row))
                {
                    after = row.Id;
                    continue;
                }
                if (page.Count == limit)
                {
                    return new FacilityPage(page, cursors.Encode(page[^1].Id));
                }
                page.Add(row.ToFeature(filter.At));
                after = row.Id;
            }
            if (read < chunk)
            {
                return new FacilityPage(page, null);
            }
        }
    }
}
