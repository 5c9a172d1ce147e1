using Facilities.Api.Data;
using Facilities.Api.Features.Reputation;

namespace Facilities.Api.Features.Confidence;

/// <summary>
/// Confidence, in one place: the definition is the SQL function <c>facility_confidence</c> (migration 0008), its one
/// caller is the facility change unit (Data/FacilityChanges.cs, which every writer goes through), its parameters are
/// part of the reputation rules' configuration, and <see cref="ConfidenceAgeing"/> recomputes what time alone changed.
/// </summary>
public static class ConfidenceSetup
{
    public static IServiceCollection AddConfidence(this IServiceCollection services)
    {
        services.AddSingleton(services => services.GetRequiredService<ReputationRules>().ConfidenceParameters());
        services.AddPeriodicJob<ConfidenceAgeing>();
        return services;
    }
}
