using System.Xml.Linq;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.Open311;

/// <summary>One GeoReport v2 service: a report reason, with the spec's field names.</summary>
public sealed record Open311Service(string ServiceCode, string ServiceName, string Description, bool Metadata, string Type, string Keywords, string Group);

/// <summary>GET /open311/v2/services.json|.xml: the report reasons as Open311 services.</summary>
public sealed record ServicesQuery : IRequest<IReadOnlyList<Open311Service>>;

public sealed class ServicesHandler : IRequestHandler<ServicesQuery, IReadOnlyList<Open311Service>>
{
    // Reports are filed and answered at once (realtime), and no reason asks for extra attributes (metadata false).
    private static readonly IReadOnlyList<Open311Service> Services = [.. Enum.GetValues<ReportReason>().Select(r => r switch
    {
        ReportReason.Closed => Service(r, "Facility closed", "The facility is closed for good or has gone.", "closed,gone", "Status"),
        ReportReason.OutOfOrder => Service(r, "Out of order", "The facility is there but cannot be used now.", "broken,out of order", "Status"),
        ReportReason.Dirty => Service(r, "Dirty", "The facility needs cleaning.", "dirty,cleaning", "Condition"),
        ReportReason.WrongLocation => Service(r, "Wrong location", "The facility is not where the map shows it.", "location,position", "Data"),
        ReportReason.NotPublic => Service(r, "Not open to the public", "The facility is private or restricted.", "private,access", "Data"),
        ReportReason.Unsafe => Service(r, "Unsafe", "The facility is unsafe to use.", "unsafe,danger", "Condition"),
        _ => Service(r, "Other problem", "A problem not listed elsewhere.", "other", "Other"),
    })];

    private static Open311Service Service(ReportReason reason, string name, string description, string keywords, string group) =>
        new(reason.Name(), name, description, false, "realtime", keywords, group);

    /// <summary>The service a report of this reason is filed under.</summary>
    public static Open311Service Of(ReportReason reason) => Services[(int)reason];

    public ValueTask<IReadOnlyList<Open311Service>> Handle(ServicesQuery request, CancellationToken cancellationToken) => ValueTask.FromResult(Services);

    /// <summary>The spec's XML: &lt;services&gt;&lt;service&gt;…, booleans as true/false.</summary>
    public static XDocument ToXml(IReadOnlyList<Open311Service> services) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("services", services.Select(s => new XElement("service",
            new XElement("service_code", s.ServiceCode), new XElement("service_name", s.ServiceName), new XElement("description", s.Description),
            new XElement("metadata", s.Metadata ? "true" : "false"), new XElement("type", s.Type), new XElement("keywords", s.Keywords),
            new XElement("group", s.Group)))));
}
