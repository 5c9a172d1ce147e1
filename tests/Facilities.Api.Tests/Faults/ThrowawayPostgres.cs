using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Facilities.Api.Tests.Faults;

/// <summary>
/// A PostgreSQL cluster of one test class's own, in a temporary directory, that the test may crash and start again.
/// The cluster ./test.sh starts is shared by every test class running in parallel; killing it would fail them too.
/// Uses the binaries and the user test.sh names (FACILITIES_TEST_PG_BIN, FACILITIES_TEST_PG_USER): PostgreSQL
/// refuses to run as root, so a run as root runs it as that user.
/// </summary>
public sealed class ThrowawayPostgres : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string? _user;
    private readonly string _directory;
    private readonly int _port;

    private ThrowawayPostgres(string bin, string? user, string directory, int port)
    {
        _bin = bin;
        _user = user;
        _directory = directory;
        _port = port;
    }

    public string ServerConnectionString => string.Create(CultureInfo.InvariantCulture,
        $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres");

    public static async Task<ThrowawayPostgres> StartAsync()
    {
        var bin = Environment.GetEnvironmentVariable("FACILITIES_TEST_PG_BIN") is { Length: > 0 } b ? b : "/usr/lib/postgresql/15/bin";
        if (!File.Exists(Path.Combine(bin, "initdb")))
        {
            throw new InvalidOperationException($"No PostgreSQL binaries in {bin}: run the tests with ./test.sh, which installs them.");
        }
        var user = Environment.GetEnvironmentVariable("FACILITIES_TEST_PG_USER") is { Length: > 0 } u ? u
            : Environment.UserName == "root" ? "postgres" : null;
        var directory = Path.Combine(Path.GetTempPath(), "facilities-crash-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        if (user is not null)
        {
            await RunAsync("chown", [user, directory], asUser: null);
        }
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var cluster = new ThrowawayPostgres(bin, user, directory, port);
        await cluster.RunAsync("initdb", ["-D", cluster.DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]);
        await cluster.StartServerAsync();
        return cluster;
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>The last lines of the server's log, for a failing test to show.</summary>
    public string LogTail() =>
        string.Join('\n', File.ReadLines(Path.Combine(_directory, "server.log")).TakeLast(30));

    /// <summary>Starts the server (again, after <see cref="CrashAsync"/>), waiting until it accepts connections.</summary>
    public Task StartServerAsync() => RunAsync("pg_ctl",
    [
        "-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "120",
        "-o", string.Create(CultureInfo.InvariantCulture, $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"),
        "start",
    ]);

    /// <summary>
    /// Stops the server the way a crash does: immediate shutdown ends every backend at once, without a checkpoint,
    /// and the next start runs crash recovery. Clients see their connections broken mid-statement.
    /// </summary>
    public Task CrashAsync() => RunAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "60", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CrashAsync();
        }
        catch (InvalidOperationException)
        {
            // Stopped already.
        }
        Directory.Delete(_directory, recursive: true);
    }

    private Task RunAsync(string tool, string[] arguments) => RunAsync(Path.Combine(_bin, tool), arguments, _user);

    private static async Task RunAsync(string program, string[] arguments, string? asUser)
    {
        var start = new ProcessStartInfo(asUser is null ? program : "runuser")
        {
            // From /, so the tools don't complain about a working directory the user may not enter.
            WorkingDirectory = "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asUser is not null)
        {
            foreach (var argument in (string[])["-u", asUser, "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output} {await error}");
        }
    }
}
