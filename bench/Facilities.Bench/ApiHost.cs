using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Facilities.Bench;

/// <summary>
/// The API's garbage collector. Server is the default: measured on the 2-core machine (1M facilities, nearby under
/// wrk), Server GC — which since .NET 9 adapts its heap count and budgets to the load (DATAS) — peaked at
/// ~150 MiB RSS against ~200 MiB for Workstation GC, with the same throughput within noise (4,390 vs 4,260 req/s).
/// </summary>
public enum GcMode
{
    Server,
    Workstation,
}

/// <summary>
/// The API as production runs it: a separate process started with <c>dotnet Facilities.Api.dll</c> from the
/// build output of the same build this benchmark was compiled against, listening on a free loopback port.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly Process _process;

    private ApiHost(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    /// <summary>
    /// Copies the API's build output (src/Facilities.Api/bin/&lt;configuration&gt;/&lt;tfm&gt;, the same configuration
    /// as this program) to <paramref name="workDirectory"/>, so that someone rebuilding the API meanwhile does not
    /// change what runs, and says whether it is the very assembly this benchmark read its SQL from.
    /// </summary>
    public static string CopyBuildOutput(string workDirectory, Action<string> warn)
    {
        var ownDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = ownDirectory.Name;
        var configuration = ownDirectory.Parent!.Name;
        var root = ownDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Facilities.sln")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException($"Cannot find the repository root (Facilities.sln) above {ownDirectory.FullName}.");
        }
        var built = Path.Combine(root.FullName, "src", "Facilities.Api", "bin", configuration, framework);
        if (!File.Exists(Path.Combine(built, "Facilities.Api.dll")))
        {
            throw new InvalidOperationException($"No API build in {built}: build src/Facilities.Api -c {configuration} first.");
        }
        if (configuration != "Release")
        {
            warn($"the API runs from a {configuration} build: run with -c Release for figures worth publishing");
        }
        var target = Path.Combine(workDirectory, "api");
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(target, Path.GetRelativePath(built, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }
        if (!File.ReadAllBytes(Path.Combine(target, "Facilities.Api.dll")).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(ownDirectory.FullName, "Facilities.Api.dll"))))
        {
            warn($"{built}/Facilities.Api.dll differs from the one this benchmark was built with (rebuilt meanwhile?)");
        }
        return target;
    }

    /// <summary>The runtime's switch for running socket completions on the event threads (the generator's, not the API's).</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<ApiHost> StartAsync(
        string apiDirectory, string connectionString, GcMode gc, IReadOnlyDictionary<string, string> extraEnvironment, CancellationToken ct)
    {
        var port = FreePort();
        var startInfo = new ProcessStartInfo("dotnet", [Path.Combine(apiDirectory, "Facilities.Api.dll")])
        {
            WorkingDirectory = apiDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = startInfo.Environment;
        environment["ConnectionStrings__Facilities"] = connectionString;
        environment["ASPNETCORE_URLS"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment.Remove("DOTNET_ENVIRONMENT");
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Facilities__SeedDirectory"] = "";
        environment["DOTNET_gcServer"] = gc == GcMode.Server ? "1" : "0";
        // Whatever the caller's shell has set, the API gets the runtime's defaults apart from the GC flavour.
        environment.Remove("DOTNET_GCHeapHardLimit");
        environment.Remove("DOTNET_GCgen0size");
        environment.Remove(InlineCompletionsVariable);
        foreach (var (name, value) in extraEnvironment)
        {
            environment[name] = value;
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start the API.");
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new ApiHost(process, new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}")));

        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with code {process.ExitCode} before it was healthy.");
            }
            try
            {
                using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(90))
            {
                await host.DisposeAsync();
                throw new TimeoutException("The API did not answer /healthz with 200 within 90 s.");
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>A line of /proc/&lt;pid&gt;/status in bytes: VmHWM is the peak resident set, VmRSS the current one.</summary>
    public long? MemoryBytes(string field)
    {
        try
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static void Forward(string? line)
    {
        if (line is not null)
        {
            Console.Error.WriteLine($"  [api] {line}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
