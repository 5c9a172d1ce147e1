namespace Facilities.Api.Web;

/// <summary>A bounding box in WGS 84 degrees, in the GeoJSON order minLon,minLat,maxLon,maxLat.</summary>
public readonly record struct Bbox(double MinLon, double MinLat, double MaxLon, double MaxLat)
{
    public double Width => MaxLon - MinLon;
    public double Height => MaxLat - MinLat;
}
