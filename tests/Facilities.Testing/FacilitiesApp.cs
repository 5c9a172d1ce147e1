using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Facilities.Testing;

/// <summary>The API in-process against a test database; <see cref="WebApplicationFactory{T}.CreateClient()"/> talks to it.</summary>
public sealed class FacilitiesApp(TestDatabase database, string? seedDirectory = null) : WebApplicationFactory<Program>
{
    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Facilities", Database.ConnectionString);
        builder.UseSetting("Facilities:SeedDirectory", seedDirectory ?? "");
    }
}
