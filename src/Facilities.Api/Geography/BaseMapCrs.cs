namespace Facilities.Api.Geography;

/// <summary>
/// The coordinate system a base map's tiles are drawn in (wire names wgs84, gcj02, bd09 through Web.WireName):
/// OpenStreetMap and Tianditu (天地图, CGCS2000, within centimetres of WGS 84) draw in WGS 84, Amap (高德) and Tencent
/// in GCJ-02, Baidu in BD-09.
/// </summary>
public enum BaseMapCrs
{
    Wgs84,
    Gcj02,
    Bd09,
}

public static class BaseMapPositions
{
    /// <summary>
    /// Where a WGS 84 position is drawn on a base map in <paramref name="crs"/>: converted inside the box where such
    /// maps are offset (<see cref="ChinaOffsets.Covers"/>), as it is outside it, as the directions links do.
    /// </summary>
    public static (double Lon, double Lat) Drawn(BaseMapCrs crs, (double Lon, double Lat) wgs84) =>
        crs == BaseMapCrs.Wgs84 || !ChinaOffsets.Covers(wgs84) ? wgs84
        : crs == BaseMapCrs.Gcj02 ? ChinaOffsets.Wgs84ToGcj02(wgs84)
        : ChinaOffsets.Gcj02ToBd09(ChinaOffsets.Wgs84ToGcj02(wgs84));
}
