using Facilities.Testing;

namespace Facilities.Api.Tests;

/// <summary>A fresh database and the API over it, for one test class; subclasses add the class's data.</summary>
public class ApiFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public FacilitiesApp App { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        await SeedAsync(Database);
        App = new FacilitiesApp(Database, SeedDirectory, Settings);
        Client = App.CreateClient();
    }

    protected virtual string? SeedDirectory => null;

    /// <summary>Configuration the class's tests need beyond the database and the seed directory.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    protected virtual Task SeedAsync(TestDatabase database) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
