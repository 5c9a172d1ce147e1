using System.Security.Cryptography;
using System.Text;
using Facilities.Api.Data;
using Npgsql;

namespace Facilities.Testing;

/// <summary>
/// A fresh PostgreSQL database for one test class, cloned from a migrated template so each clone takes a fraction
/// of a second. The server is the one ./test.sh starts (ConnectionStrings__Facilities); the template's name carries
/// a hash of the migrations, so a changed schema gets a new template.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? _template;

    private readonly string? _server;

    private TestDatabase(string name, string connectionString, string? server = null)
    {
        Name = name;
        ConnectionString = connectionString;
        _server = server;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Facilities")
        ?? throw new InvalidOperationException(
            "The tests need a PostgreSQL server with PostGIS: run them with ./test.sh, which starts one, " +
            "or set ConnectionStrings__Facilities to a server where this user may create databases.");

    public static async Task<TestDatabase> CreateAsync()
    {
        var template = await EnsureTemplateAsync();
        var name = $"facilities_test_{Guid.NewGuid():N}"[..40];
        await using (var admin = await OpenAdminAsync())
        {
            await Execute(admin, $"create database {name} template {template}");
        }
        return new TestDatabase(name, For(name).ConnectionString);
    }

    /// <summary>
    /// An empty database on another server (a test's own cluster), without the template: the API migrates it at
    /// start, as it does a new deployment's.
    /// </summary>
    public static async Task<TestDatabase> CreateEmptyAsync(string serverConnectionString)
    {
        var name = $"facilities_test_{Guid.NewGuid():N}"[..40];
        await using (var admin = await OpenAdminAsync(serverConnectionString))
        {
            await Execute(admin, $"create database {name}");
        }
        return new TestDatabase(name, new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString,
            serverConnectionString);
    }

    public NpgsqlDataSource CreateDataSource()
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString);
        builder.UseNetTopologySuite();
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = await OpenAdminAsync(_server ?? ServerConnectionString);
        await Execute(admin, $"drop database if exists {Name} with (force)");
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                string.Concat(Migrator.Scripts().Select(s => s.Id + s.Sql)))))[..12];
            var template = $"facilities_template_{hash}";
            await using var admin = await OpenAdminAsync();
            // Test projects run in parallel processes: one builds the template, the others wait on this lock.
            await Execute(admin, "select pg_advisory_lock(4242)");
            try
            {
                await using var exists = new NpgsqlCommand("select count(*) from pg_database where datname = $1", admin);
                exists.Parameters.AddWithValue(template);
                if ((long)(await exists.ExecuteScalarAsync())! == 0)
                {
                    var building = template + "_building";
                    await Execute(admin, $"drop database if exists {building} with (force)");
                    await Execute(admin, $"create database {building}");
                    await Migrator.MigrateAsync(For(building).ConnectionString);
                    NpgsqlConnection.ClearAllPools();
                    await Execute(admin, $"alter database {building} rename to {template}");
                }
            }
            finally
            {
                await Execute(admin, "select pg_advisory_unlock(4242)");
            }
            _template = template;
            return template;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static NpgsqlConnectionStringBuilder For(string database) =>
        new(ServerConnectionString) { Database = database };

    private static Task<NpgsqlConnection> OpenAdminAsync() => OpenAdminAsync(ServerConnectionString);

    private static async Task<NpgsqlConnection> OpenAdminAsync(string server)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server)
        {
            Database = "postgres",
            Pooling = false,
        }.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
