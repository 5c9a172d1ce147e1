using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;

namespace Facilities.Api.Features.Nearby;

/// <summary>
/// GET /api/v1/facilities/nearby: the facilities nearest to a point, nearest first by geodesic distance, within
/// radius_m, at most limit. Values are the raw query strings; the validator names any that are wrong.
/// </summary>
public sealed record NearbyQuery(
    string? Lat,
    string? Lon,
    string? RadiusM = null,
    string? Limit = null,
    string? Category = null,
    string? OpenNow = null,
    string? Wheelchair = null,
    string? Free = null,
    string? ChangingTable = null,
    string? Gender = null,
    string? Access = null,
    string? At = null) : IRequest<FacilityCollection>, IFacilityFilterParameters
{
    public const double DefaultRadiusM = 1000;
    public const double MaxRadiusM = 50_000;
    public const int DefaultLimit = 10;
    public const int MaxLimit = 100;
}

public sealed class NearbyQueryValidator : FacilityFilterValidator<NearbyQuery>
{
    public NearbyQueryValidator(CategoryCatalog categories) : base(categories)
    {
        RuleFor(x => x.Lat).NotEmpty().WithMessage("Is required: the latitude of the place to search around, in degrees.")
            .Must(v => QueryValues.TryParseDouble(v, out _)).WithMessage("Must be a finite number of degrees.")
            .Must(v => QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90)
            .WithMessage("Must be between -90 and 90 (lat is the north-south coordinate: were lat and lon swapped?).");
        RuleFor(x => x.Lon).NotEmpty().WithMessage("Is required: the longitude of the place to search around, in degrees.")
            .Must(v => QueryValues.TryParseDouble(v, out _)).WithMessage("Must be a finite number of degrees.")
            .Must(v => QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180)
            .WithMessage("Must be between -180 and 180.");
        RuleFor(x => x.RadiusM)
            .Must(v => v is null || (QueryValues.TryParseDouble(v, out var r) && r > 0 && r <= NearbyQuery.MaxRadiusM))
            .WithMessage($"Must be a number of metres greater than 0 and at most {NearbyQuery.MaxRadiusM:0}.");
        RuleFor(x => x.Limit)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= NearbyQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {NearbyQuery.MaxLimit}.");
    }
}

public sealed class NearbyHandler(NearbyCandidates primaryCandidates,
    [FromKeyedServices(DatabaseRegistration.StandbyReaders)] NearbyCandidates standbyCandidates, ReadSource reads, TimeProvider clock)
    : IRequestHandler<NearbyQuery, FacilityCollection>
{
    private const int MaxCandidates = 20_000;

    /// <summary>
    /// Candidates come in planar order from the GiST index on geometry (<see cref="NearbyCandidates"/>), restricted
    /// to degree boxes that surely contain the radius. Degree order is not metre order, so the handler re-ranks
    /// them by geodesic distance_m and widens the candidate count until the answer is provably the geodesic nearest.
    /// </summary>
    public async ValueTask<FacilityCollection> Handle(NearbyQuery request, CancellationToken cancellationToken)
    {
        var lat = Parse(request.Lat);
        var lon = Parse(request.Lon);
        var radius = request.RadiusM is null ? NearbyQuery.DefaultRadiusM : Parse(request.RadiusM);
        var limit = request.Limit is null ? NearbyQuery.DefaultLimit : int.Parse(request.Limit, System.Globalization.CultureInfo.InvariantCulture);
        var filter = FacilityFilter.From(request, clock.GetUtcNow());
        var search = SearchArea.Around(lon, lat, radius);

        var candidates = FirstCandidateCount(limit);
        while (true)
        {
            var windows = search.Windows.Select(w => new CandidateWindow(w.PointLon, lon, lat, w.Box, candidates, radius)).ToList();
            var fetched = await (reads.FromStandby ? standbyCandidates : primaryCandidates).FetchAsync(filter, windows, cancellationToken);
            var found = new List<Candidate>();
            var lowerBound = double.PositiveInfinity;
            foreach (var window in fetched)
            {
                found.AddRange(window.WithinRadius.Where(c => filter.Accepts(c.Row)));
                // A window that filled its candidate count may hold more facilities beyond the last one read;
                // none of them is nearer than the last one's planar distance times the smallest number of
                // metres a degree can span in this box.
                if (window.Rows == candidates)
                {
                    lowerBound = Math.Min(lowerBound, window.LastPlanarDeg * search.MinMetresPerDegree);
                }
            }

            found.Sort((a, b) => a.DistanceM.CompareTo(b.DistanceM));
            var complete = lowerBound > radius
                || (found.Count >= limit && found[limit - 1].DistanceM <= lowerBound)
                || candidates >= MaxCandidates;
            if (complete)
            {
                var now = filter.At;
                return new FacilityCollection(
                    found.Take(limit).Select(f => f.Row.ToFeature(now, Math.Round(f.DistanceM, 1))).ToList(),
                    []);
            }
            candidates = Math.Min(candidates * 4, MaxCandidates);
        }
    }

    /// <summary>How many candidates the first scan takes: enough that it rarely needs a second.</summary>
    public static int FirstCandidateCount(int limit) => Math.Max(limit * 3 + 10, 32);

    private static double Parse(string? value) => QueryValues.TryParseDouble(value, out var v) ? v : throw new ArgumentException("validated");
}

/// <summary>
/// The degree boxes that surely contain every point within a geodesic radius, and the least number of metres a
/// planar degree can stand for inside them. Near the antimeridian the box is split in two, each searched from a
/// copy of the query point shifted into its own longitude range; near a pole it spans every longitude.
/// </summary>
public sealed record SearchArea(IReadOnlyList<SearchArea.Window> Windows, double MinMetresPerDegree)
{
    public sealed record Window(double PointLon, Bbox Box);

    // WGS 84: a degree of latitude is at least 110,574 m (at the equator); a degree of longitude at latitude phi
    // is at least 111,320 m * cos(phi). Dividing by these lower bounds makes the box a little larger than needed.
    private const double MetresPerDegreeLatMin = 110_574;
    private const double MetresPerDegreeLonEquator = 111_320;

    public static SearchArea Around(double lon, double lat, double radiusM)
    {
        var dLat = radiusM / MetresPerDegreeLatMin * 1.01;
        var minLat = Math.Max(-90, lat - dLat);
        var maxLat = Math.Min(90, lat + dLat);
        var maxAbsLat = Math.Max(Math.Abs(minLat), Math.Abs(maxLat));
        var cos = Math.Cos(Math.Min(maxAbsLat + 0.1, 90) * Math.PI / 180);
        // 0.99: slack for the ellipsoid's flattening and for geodesics bulging poleward of the box.
        var minMetresPerDegree = 0.99 * Math.Min(MetresPerDegreeLatMin, MetresPerDegreeLonEquator * cos);

        var dLon = maxAbsLat >= 89.5 ? 360 : radiusM / (MetresPerDegreeLonEquator * Math.Cos(maxAbsLat * Math.PI / 180)) * 1.01;
        if (dLon >= 180)
        {
            return new SearchArea([new Window(lon, new Bbox(-180, minLat, 180, maxLat))], minMetresPerDegree);
        }

        var windows = new List<Window> { new(lon, new Bbox(Math.Max(-180, lon - dLon), minLat, Math.Min(180, lon + dLon), maxLat)) };
        if (lon - dLon < -180)
        {
            windows.Add(new Window(lon + 360, new Bbox(lon - dLon + 360, minLat, 180, maxLat)));
        }
        if (lon + dLon > 180)
        {
            windows.Add(new Window(lon - 360, new Bbox(-180, minLat, lon + dLon - 360, maxLat)));
        }
        return new SearchArea(windows, minMetresPerDegree);
    }
}
