namespace Facilities.Bench.Nearby;

/// <summary>
/// <c>bench.sh nearby</c>: the nearby and clusters endpoints under load next to the same SQL sent straight to PostGIS,
/// on one machine in one run. Progress goes to stderr, the results table to stdout. It prints PASS or MISS next to
/// each target and never fails on one: the exit code only says whether the run itself worked.
/// </summary>
public static class NearbyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        // The open-loop generator runs in this process and shares the two cores with the API it measures: socket
        // completions run on the event threads rather than being handed to the thread pool, which cuts a .NET
        // process's CPU per round trip about threefold here. Read once, at the first socket, so set before any (which
        // is why Program dispatches before anything else runs); the API's process does not inherit it (ApiHost), it
        // runs with the runtime's defaults.
        Environment.SetEnvironmentVariable(ApiHost.InlineCompletionsVariable, "1");

        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n{BenchmarkOptions.Usage}");
            return 2;
        }
        if (options.Help)
        {
            Console.Out.Write(BenchmarkOptions.Usage);
            return 0;
        }
        if (options.PrintScripts)
        {
            Console.Out.Write(BenchmarkRun.ScriptsText());
            return 0;
        }
        if (await BenchmarkEnvironment.ServerOrExplainAsync(BenchmarkOptions.Usage) is not { } server)
        {
            return 2;
        }

        using var cancel = BenchmarkEnvironment.CancelledByCtrlC();

        try
        {
            var report = await new BenchmarkRun(options, server).RunAsync(cancel.Token);
            Console.Out.Write(report);
            return 0;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("Interrupted.");
            return 130;
        }
    }
}
