using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Testing;

/// <summary>
/// The API in-process against a test database; <see cref="WebApplicationFactory{T}.CreateClient()"/> talks to it.
/// <paramref name="settings"/> are configuration keys the test needs set (e.g. "Nearby:Fetchers"); <paramref name="services"/>
/// replaces services after the API registered its own (e.g. a TimeProvider the test moves on).
/// </summary>
public sealed class FacilitiesApp(
    TestDatabase database, string? seedDirectory = null, IReadOnlyDictionary<string, string>? settings = null,
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Facilities", Database.ConnectionString);
        builder.UseSetting("Facilities:SeedDirectory", seedDirectory ?? "");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
