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
        Database = await CreateDatabaseAsync();
        await SeedAsync(Database);
        App = new FacilitiesApp(Database, SeedDirectory, Settings);
        Client = App.CreateClient();
    }

    /// <summary>The class's database: a clone of the migrated template on the cluster ./test.sh started, unless overridden.</summary>
    protected virtual Task<TestDatabase> CreateDatabaseAsync() => TestDatabase.CreateAsync();

    protected virtual string? SeedDirectory => null;

    /// <summary>Configuration the class's tests need beyond the database and the seed directory.</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    protected virtual Task SeedAsync(TestDatabase database) => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Database.DisposeAsync();
    }
}
