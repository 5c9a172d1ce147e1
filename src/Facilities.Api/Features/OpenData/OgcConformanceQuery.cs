using Mediator;

namespace Facilities.Api.Features.OpenData;

/// <summary>GET /ogc/conformance: the conformance classes this API implements (/req/core/conformance-success).</summary>
public sealed record OgcConformanceQuery(string BaseUrl, string? F, string? Accept, IReadOnlyCollection<string> Parameters)
    : IRequest<OgcConformance>, IOgcRequest;

public sealed class OgcConformanceQueryValidator : OgcRequestValidator<OgcConformanceQuery>
{
    public OgcConformanceQueryValidator() : base(Ogc.CommonParameters, ["json", "html"])
    {
    }
}

public sealed class OgcConformanceHandler : IRequestHandler<OgcConformanceQuery, OgcConformance>
{
    public ValueTask<OgcConformance> Handle(OgcConformanceQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new OgcConformance(Ogc.ConformsTo));
}
