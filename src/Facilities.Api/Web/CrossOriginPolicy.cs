using Microsoft.AspNetCore.Cors.Infrastructure;

namespace Facilities.Api.Web;

/// <summary>
/// Cross-origin requests from browsers. Every read (GET, HEAD) is public open data and may be called from a page on
/// any origin; a write (a proposal, a vote, an import) only from the origins named in <c>Cors:WriteOrigins</c>.
/// The API authenticates with bearer tokens and API keys that a page sends on purpose, never with cookies, so
/// "any origin" for reads gives a foreign page nothing it could not fetch without a browser.
/// </summary>
public static class CrossOriginPolicy
{
    public const string WriteOriginsSetting = "Cors:WriteOrigins";

    /// <summary>What a page on another origin may read of a response: caching, paging, licence links, output CRS.</summary>
    private static readonly string[] ExposedHeaders = ["ETag", "Link", "Location", "Content-Crs", "Content-Disposition", "Retry-After",
        "Content-Range", "Facilities-Feed-Position"];

    private static readonly string[] ReadMethods = ["GET", "HEAD"];

    public static IServiceCollection AddCrossOriginPolicy(this IServiceCollection services, IConfiguration configuration)
    {
        var writeOrigins = configuration.GetSection(WriteOriginsSetting).Get<string[]>() ?? [];
        services.AddCors();
        services.AddSingleton<ICorsPolicyProvider>(new Provider(
            new CorsPolicyBuilder().AllowAnyOrigin().WithMethods(ReadMethods).AllowAnyHeader().WithExposedHeaders(ExposedHeaders)
                .SetPreflightMaxAge(TimeSpan.FromDays(1)).Build(),
            writeOrigins.Length == 0
                ? null
                : new CorsPolicyBuilder().WithOrigins(writeOrigins).AllowAnyMethod().AllowAnyHeader().WithExposedHeaders(ExposedHeaders)
                    .SetPreflightMaxAge(TimeSpan.FromHours(1)).Build()));
        return services;
    }

    /// <summary>
    /// Chooses by the method the browser will send: the request's own, or for a preflight (OPTIONS) the one it asks
    /// about. Configured write origins get the write policy for reads too, so one page can do both.
    /// </summary>
    private sealed class Provider(CorsPolicy reads, CorsPolicy? writes) : ICorsPolicyProvider
    {
        public Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
        {
            var request = context.Request;
            var method = HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.ToString() is { Length: > 0 } asked
                ? asked
                : request.Method;
            if (writes is not null && writes.IsOriginAllowed(request.Headers.Origin.ToString()))
            {
                return Task.FromResult<CorsPolicy?>(writes);
            }
            return Task.FromResult<CorsPolicy?>(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) ? reads : null);
        }
    }
}
