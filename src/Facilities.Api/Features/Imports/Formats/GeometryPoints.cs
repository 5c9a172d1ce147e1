using NetTopologySuite.Geometries;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>One position for a record whose geometry is not a point: a polygon's interior point (inside it, unlike
/// a centroid, which for an L-shaped building can fall outside), a line's or way's centroid.</summary>
public static class GeometryPoints
{
    private static readonly GeometryFactory Factory = new();

    public static (double X, double Y)? InteriorOfRing(IReadOnlyList<(double X, double Y)> ring)
    {
        if (ring.Count < 3)
        {
            return null;
        }
        var coordinates = ring.Select(p => new Coordinate(p.X, p.Y)).ToList();
        if (!coordinates[0].Equals2D(coordinates[^1]))
        {
            coordinates.Add(coordinates[0].Copy());
        }
        if (coordinates.Count < 4)
        {
            return null;
        }
        try
        {
            var point = Factory.CreatePolygon([.. coordinates]).InteriorPoint;
            return point.IsEmpty ? null : (point.X, point.Y);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static (double X, double Y)? Centroid(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count == 0)
        {
            return null;
        }
        if (points.Count >= 4 && points[0] == points[^1])
        {
            return InteriorOfRing(points);
        }
        return (points.Average(p => p.X), points.Average(p => p.Y));
    }
}
