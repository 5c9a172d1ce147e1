using System.Diagnostics;

namespace Facilities.Bench;

public sealed record CommandOutput(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs a load tool (wrk, pgbench) to completion and hands back what it printed.</summary>
public static class ExternalCommand
{
    /// <param name="started">Told the process id as soon as it runs, so its CPU time can be measured.</param>
    public static async Task<CommandOutput> RunAsync(
        string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment,
        Action<int>? started, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        started?.Invoke(process.Id);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CommandOutput(process.ExitCode, await stdout, await stderr);
    }
}
