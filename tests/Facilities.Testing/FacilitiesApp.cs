using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Facilities.Testing;

/// <summary>
/// The API in-process against a test database; <see cref="WebApplicationFactory{T}.CreateClient()"/> talks to it.
/// <paramref name="settings"/> are configuration keys the test needs set (e.g. "Nearby:Fetchers").
/// </summary>
public sealed class FacilitiesApp(TestDatabase database, string? seedDirectory = null, IReadOnlyDictionary<string, string>? settings = null)
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
    }
}
