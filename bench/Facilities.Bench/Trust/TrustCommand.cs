using System.Globalization;

namespace Facilities.Bench.Trust;

/// <summary>
/// <c>bench.sh trust</c>: the trust simulation (<see cref="TrustSimulation"/>) at each adversary share, one results table.
/// </summary>
public static class TrustCommand
{
    public const string Usage = """
        Usage: bench.sh trust [options]
          --steps <n>                proposals per run (default 250)
          --facilities <n>           facilities in the ground truth (default 80)
          --population <n>           contributors (default 50)
          --seed <n>                 random seed (default 7)
          --shares <list>            adversary shares in percent, comma-separated (default 0,10,20,30)
          --seeded-reputation <n>    reputation the admin gives the seeded honest contributors (default 50)
          --seeded-share <x>         share of honest contributors seeded (default 0.2)
          --reviewers <n>            reviewers who look at each proposal (default 5)
          --accuracy <x>             how often honest contributors are right (default 0.9)
          --set Section:Key=value    any configuration of the API, e.g. Reputation:AcceptMargin=4 (repeatable)
        Needs ConnectionStrings__Facilities (bench.sh sets it for the private cluster): a server where the user may
        create databases.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.Out.Write(Usage);
            return 0;
        }
        SimulationOptions options;
        try
        {
            options = SimulationOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IndexOutOfRangeException)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n{Usage}");
            return 2;
        }
        // WebApplicationFactory finds the API's content root through a manifest it reads from the current directory.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        Console.WriteLine($"Trust simulation: {options.Population} contributors, {options.Facilities} facilities, {options.Steps} proposals per run, " +
                          $"seed {options.Seed}; honest contributors are right {options.HonestAccuracy:P0} of the time.");
        if (options.Settings.Count > 0)
        {
            Console.WriteLine("Settings: " + string.Join(", ", options.Settings.Select(s => $"{s.Key}={s.Value}")));
        }
        Console.WriteLine();
        Console.WriteLine("| adversaries | proposals | wrong values published (end / time-avg) | stale | honest accepted | at once | votes to acceptance (mean, median) | adversary proposals accepted | time |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var share in options.AdversaryShares)
        {
            var result = await TrustSimulation.RunAsync(options, share);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {share:0}% | {result.Proposals} | {result.WrongShareEnd:P2} / {result.WrongShareAverage:P2} | {result.StaleShareEnd:P2} | " +
                $"{result.HonestAcceptedShare:P1} ({result.HonestAccepted}/{result.HonestCorrect}) | {result.AtOnceShare:P0} | " +
                $"{result.MeanVotesToAcceptance:0.0}, {result.MedianVotesToAcceptance:0} | {result.AdversaryAccepted}/{result.AdversaryProposals} | {result.Elapsed.TotalSeconds:0} s |"));
        }
        Console.WriteLine();
        Console.WriteLine("wrong values published: cells (facility × attribute) whose published value was false when a community change published it " +
                          "and is still false; stale: published value right when published, the world changed since and no accepted change caught up yet.");
        return 0;
    }
}
