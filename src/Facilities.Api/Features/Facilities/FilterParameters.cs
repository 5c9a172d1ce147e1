using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Features.Facilities;

/// <summary>The resident filters as query parameters, shared by the endpoints that list facilities.</summary>
public sealed class FilterParameters
{
    /// <summary>One category id or several, comma-separated (see /api/v1/categories).</summary>
    [FromQuery(Name = "category")] public string? Category { get; init; }

    /// <summary>true: only facilities open at the time of the request (or at <c>at</c>).</summary>
    [FromQuery(Name = "open_now")] public string? OpenNow { get; init; }

    /// <summary>yes, limited, no, unknown (comma-separated for several); true means yes.</summary>
    [FromQuery(Name = "wheelchair")] public string? Wheelchair { get; init; }

    /// <summary>true: no fee; false: only those that charge.</summary>
    [FromQuery(Name = "free")] public string? Free { get; init; }

    /// <summary>true: with a baby changing table.</summary>
    [FromQuery(Name = "changing_table")] public string? ChangingTable { get; init; }

    /// <summary>female, male, unisex, all_gender (comma-separated: any of them).</summary>
    [FromQuery(Name = "gender")] public string? Gender { get; init; }

    /// <summary>public, customers, key, permissive, private, unknown (comma-separated: any of them).</summary>
    [FromQuery(Name = "access")] public string? Access { get; init; }

    /// <summary>RFC 3339 instant at which open_now is evaluated; now by default.</summary>
    [FromQuery(Name = "at")] public string? At { get; init; }
}
