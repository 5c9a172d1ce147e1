using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Facilities.Api.Data;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Facilities.Api.Tests.OpenData;

/// <summary>
/// The API with the demo data (data-seed/) plus a few facilities chosen to break exports (spreadsheet formulas,
/// quotes, commas and line breaks in names, a removed one), listening on a real loopback port so that GDAL and the
/// mirror tool, separate processes, can reach it.
/// </summary>
public class OpenDataFixture : IAsyncLifetime
{
    /// <summary>The community dataset that migration 0002 creates.</summary>
    public static readonly Guid CommunityDataset = Guid.Parse("00000000-0000-0000-0000-000000000001");

    public TestDatabase Database { get; private set; } = null!;
    public FacilitiesApp App { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>Where this API builds the GeoPackage exports that do not become dumps, so a test can see that none is left behind.</summary>
    public string ExportFolder { get; } = Directory.CreateTempSubdirectory("facilities-exports-").FullName;

    /// <summary>Where this API keeps the exports' dumps, so a test can read them.</summary>
    public string DumpFolder { get; } = Directory.CreateTempSubdirectory("facilities-dumps-").FullName;

    /// <summary>The API's clock: the system's unless a fixture moves time itself.</summary>
    protected virtual TimeProvider? Clock => null;

    /// <summary>Names a spreadsheet would run as formulas, and one that needs every kind of CSV quoting.</summary>
    public Guid FormulaId { get; private set; }
    public Guid QuotedId { get; private set; }
    public Guid RemovedId { get; private set; }

    public const string FormulaName = "=HYPERLINK(\"http://evil.example\",\"click\")";
    public const string FormulaOperator = "+44 20 7946 0000";
    public const string FormulaCharge = "@SUM(A1:A9)";
    public const string FormulaKeyScheme = "\tRADAR";
    public const string QuotedName = "Café \"Le Coin\", Paris\nback door";
    public const string QuotedOpeningHours = "-1 Mo-Fr 08:00-18:00";

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        try
        {
            await using (var dataSource = Database.CreateDataSource())
            {
                FormulaId = await CreateAsync(dataSource, new FacilityState
                {
                    Category = "toilet",
                    Lon = -0.1276,
                    Lat = 51.5072,
                    Name = FormulaName,
                    Operator = FormulaOperator,
                    Fee = true,
                    Charge = FormulaCharge,
                    KeyScheme = FormulaKeyScheme,
                    Access = "key",
                    Wheelchair = "yes",
                    Gender = ["unisex"],
                });
                QuotedId = await CreateAsync(dataSource, new FacilityState
                {
                    Category = "bench",
                    Lon = 2.3522,
                    Lat = 48.8566,
                    Name = QuotedName,
                    OpeningHours = QuotedOpeningHours,
                    Attributes = new() { ["backrest"] = true, ["seats"] = 3 },
                });
                RemovedId = await CreateAsync(dataSource, new FacilityState
                {
                    Category = "toilet",
                    Lon = -0.13,
                    Lat = 51.51,
                    Name = "Demolished in 2025",
                    Status = FacilityStatus.Removed,
                });
            }
            await SeedAsync(Database);
            var port = FreePort();
            var clock = Clock;
            App = new FacilitiesApp(Database, SeedDirectory,
                new Dictionary<string, string> { ["Exports:TemporaryFolder"] = ExportFolder, ["Exports:DumpFolder"] = DumpFolder },
                clock is null ? null : services => services.AddSingleton(clock));
            App.UseKestrel(port);
            App.StartServer();
            BaseUrl = $"http://127.0.0.1:{port}";
            Client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(2) };
        }
        catch
        {
            // xunit does not dispose a fixture whose set-up failed: drop the database (and any statement still
            // running in it) here, or it would be left on the server.
            await Database.DisposeAsync();
            throw;
        }
    }

    /// <summary>The demo data, loaded by the API on its first start.</summary>
    protected virtual string? SeedDirectory => Path.Combine(RepositoryPaths.Root, "data-seed");

    protected virtual Task SeedAsync(TestDatabase database) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
        await Database.DisposeAsync();
        Directory.Delete(ExportFolder, recursive: true);
        Directory.Delete(DumpFolder, recursive: true);
    }

    /// <summary>A new facility through the service's one write path, in its own transaction.</summary>
    public static async Task<Guid> CreateAsync(NpgsqlDataSource dataSource, FacilityState state)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The feed lock the service's change unit takes: without it, concurrent writes number the feed twice.
        await FacilityChanges.LockFeedAsync(connection, transaction, CancellationToken.None);
        var id = await FacilityWriter.CreateAsync(connection, transaction, state,
            new VersionSource(CommunityDataset, $"test-{Guid.NewGuid():N}", DateTime.UtcNow, state.Confidence, "open data test"),
            CancellationToken.None);
        await transaction.CommitAsync();
        return id;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Runs a command-line client (GDAL, dotnet) to completion and captures what it printed.</summary>
public static class Processes
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // The service is on loopback: a proxy configured for the machine must not be asked for it.
        info.Environment["NO_PROXY"] = info.Environment["no_proxy"] = "127.0.0.1,localhost";
        return info;
    }

    public static async Task<Result> RunAsync(string program, params string[] arguments)
    {
        using var process = Start(StartInfo(program, arguments), program);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(ProcessStartInfo info, string program)
    {
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e) when (program is "ogrinfo" or "ogr2ogr")
        {
            throw new InvalidOperationException(
                $"{program} is not installed: these tests read the API with GDAL, a real GIS client. " +
                "Install it with 'apt-get install gdal-bin' (./test.sh does).", e);
        }
    }
}
