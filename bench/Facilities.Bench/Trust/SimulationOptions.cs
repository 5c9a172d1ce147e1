using System.Globalization;

namespace Facilities.Bench.Trust;

public sealed record SimulationOptions
{
    public int Steps { get; init; } = 250;
    public int Facilities { get; init; } = 80;
    public int Population { get; init; } = 50;
    public int Seed { get; init; } = 7;
    public double HonestAccuracy { get; init; } = 0.9;

    /// <summary>Honest contributors an operator seeds with reputation (by the admin endpoint), as a new installation would.</summary>
    public double SeededShare { get; init; } = 0.2;
    public int SeededReputation { get; init; } = 50;

    /// <summary>Reviewers who look at each new proposal (and at one older pending proposal each).</summary>
    public int ReviewersPerProposal { get; init; } = 5;
    public int RingSize { get; init; } = 5;
    public IReadOnlyList<double> AdversaryShares { get; init; } = [0, 10, 20, 30];

    /// <summary>Configuration the API runs with (e.g. Reputation:ApplyUpdatesAtOnce=1000), to try other rules.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    public static SimulationOptions Parse(string[] args)
    {
        var options = new SimulationOptions();
        var settings = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--steps" => options with { Steps = Int() },
                "--facilities" => options with { Facilities = Int() },
                "--population" => options with { Population = Int() },
                "--seed" => options with { Seed = Int() },
                "--reviewers" => options with { ReviewersPerProposal = Int() },
                "--seeded-reputation" => options with { SeededReputation = Int() },
                "--seeded-share" => options with { SeededShare = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--accuracy" => options with { HonestAccuracy = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--shares" => options with { AdversaryShares = [.. Next().Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture))] },
                "--set" => Set(options, Next()),
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }
        return options;

        SimulationOptions Set(SimulationOptions o, string pair)
        {
            var parts = pair.Split('=', 2);
            settings[parts[0]] = parts[1];
            return o with { Settings = settings };
        }
    }
}
