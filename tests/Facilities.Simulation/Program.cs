using System.Globalization;

namespace Facilities.Simulation;

internal static class Simulator
{
    public static async Task Main(string[] args)
    {
        // ./simulate.sh [--steps N] [--facilities N] [--population N] [--seed N] [--shares 0,10,20,30] [--set Section:Key=value ...]
        var options = SimulationOptions.Parse(args);
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
    }
}
