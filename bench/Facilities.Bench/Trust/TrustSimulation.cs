using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Facilities.Bench.Trust;

public sealed record RunResult(int Proposals, double WrongShareEnd, double WrongShareAverage, double StaleShareEnd, int HonestCorrect,
    int HonestAccepted, double HonestAcceptedShare, double AtOnceShare, double MeanVotesToAcceptance, double MedianVotesToAcceptance,
    int AdversaryProposals, int AdversaryAccepted, TimeSpan Elapsed);

/// <summary>
/// One run of the trust simulation against a fresh database and the API in-process: a synthetic ground truth of
/// facility attributes that changes over time, honest contributors (right with probability HonestAccuracy, both when
/// they propose and when they vote), lone vandals proposing false values and voting honest work down, and rings of
/// fresh sock-puppet accounts that also vote each other's proposals up. Every proposal and vote is an HTTP request to
/// the real handlers; nothing is decided in the simulation itself.
/// </summary>
public static class TrustSimulation
{
    private enum Role
    {
        Honest,
        Vandal,
        Ring,
    }

    private sealed record Actor(Guid Id, HttpClient Client, Role Role, int Ring);

    private sealed record Proposal(Guid Id, Actor Author, int Facility, int Attribute, string Value, bool TrueAtCreation);

    /// <summary>The simulated attributes: small domains, so a wrong value is easy to name and to recognise.</summary>
    private static readonly (string Name, string[] Values)[] Attributes =
    [
        ("wheelchair", ["yes", "limited", "no", "unknown"]),
        ("access", ["public", "customers", "key", "permissive", "private"]),
        ("fee", ["true", "false"]),
        ("changing_table", ["true", "false"]),
    ];

    public static async Task<RunResult> RunAsync(SimulationOptions options, double adversaryPercent)
    {
        var clock = Stopwatch.StartNew();
        var rng = new Random(options.Seed + (int)adversaryPercent);
        await using var database = await TestDatabase.CreateAsync();
        await using var inner = new FacilitiesApp(database);
        await using var app = inner.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("FACILITIES_ADMIN_EMAIL", "admin@simulation.test");
            builder.UseSetting("FACILITIES_ADMIN_PASSWORD", "simulation admin password");
            builder.UseSetting("RateLimits:Enabled", "false");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in options.Settings)
            {
                builder.UseSetting(key, value);
            }
        });
        using var anonymous = app.CreateClient();
        var admin = await LoginAsync(app, anonymous, "admin@simulation.test", "simulation admin password");

        // Ground truth, and the published layer as the simulation expects it (checked against the database at the end).
        var truth = new string[options.Facilities, Attributes.Length];
        var published = new (string Value, bool RightWhenPublished)[options.Facilities, Attributes.Length];
        var facilities = new Guid[options.Facilities];
        for (var f = 0; f < options.Facilities; f++)
        {
            var changes = new JsonObject { ["category"] = "toilet", ["name"] = $"Simulated {f}" };
            for (var a = 0; a < Attributes.Length; a++)
            {
                truth[f, a] = Pick(rng, Attributes[a].Values);
                published[f, a] = (truth[f, a], true);
                changes[Attributes[a].Name] = Json(a, truth[f, a]);
            }
            // A grid 0.01° apart: no create is a possible duplicate of another.
            var created = await PostAsync(admin, "/api/v1/proposals", new JsonObject
            {
                ["kind"] = "create",
                ["location"] = new JsonObject { ["lat"] = 10 + f / 20 * 0.01, ["lon"] = 20 + f % 20 * 0.01 },
                ["changes"] = changes,
                ["comment"] = "Surveyed",
            });
            facilities[f] = created.GetProperty("facility_id").GetGuid();
        }

        // The population: adversaries (half in rings of fresh accounts, half lone vandals), the rest honest; a share of
        // the honest ones seeded with reputation by the admin.
        var adversaries = (int)Math.Round(options.Population * adversaryPercent / 100);
        var ringMembers = adversaries / 2;
        var actors = new List<Actor>();
        for (var i = 0; i < options.Population; i++)
        {
            var role = i < ringMembers ? Role.Ring : i < adversaries ? Role.Vandal : Role.Honest;
            var email = $"actor{i}@simulation.test";
            var registered = await PostAsync(anonymous, "/api/v1/auth/register",
                new JsonObject { ["email"] = email, ["password"] = "simulation password", ["name"] = $"actor {i}" });
            var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", registered.GetProperty("access_token").GetString());
            actors.Add(new Actor(registered.GetProperty("id").GetGuid(), client, role, role == Role.Ring ? i / options.RingSize : -1));
        }
        var honest = actors.Where(a => a.Role == Role.Honest).ToList();
        foreach (var seeded in honest.Take((int)Math.Ceiling(honest.Count * options.SeededShare)))
        {
            using var set = await admin.PutAsJsonAsync($"/api/v1/admin/users/{seeded.Id}/reputation", new { reputation = options.SeededReputation });
            set.EnsureSuccessStatusCode();
        }

        var pending = new List<Proposal>();
        var votesToAcceptance = new List<int>();
        int proposals = 0, atOnce = 0, honestCorrect = 0, honestAccepted = 0, adversaryProposals = 0, adversaryAccepted = 0, superseded = 0;
        double wrongSum = 0;
        var samples = 0;

        void Publish(Proposal p)
        {
            published[p.Facility, p.Attribute] = (p.Value, p.Value == truth[p.Facility, p.Attribute]);
            if (p.Author.Role == Role.Honest && p.TrueAtCreation)
            {
                honestAccepted++;
            }
            else if (p.Author.Role != Role.Honest)
            {
                adversaryAccepted++;
            }
        }

        async Task VoteAsync(Actor voter, Proposal p)
        {
            if (voter.Id == p.Author.Id || !pending.Contains(p))
            {
                return;
            }
            bool? up = voter.Role switch
            {
                // Right with the honest accuracy: up when the value is the truth as they see it.
                Role.Honest => (p.Value == truth[p.Facility, p.Attribute]) == (rng.NextDouble() < options.HonestAccuracy),
                Role.Ring => p.Author.Role == Role.Ring && p.Author.Ring == voter.Ring ? true : p.Author.Role == Role.Honest ? false : null,
                _ => p.Author.Role == Role.Honest ? false : null,
            };
            if (up is null)
            {
                return;
            }
            using var response = await voter.Client.PostAsJsonAsync($"/api/v1/proposals/{p.Id}/votes", new { vote = up.Value ? "up" : "down" });
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                pending.Remove(p);
                return;
            }
            response.EnsureSuccessStatusCode();
            var tally = await response.Content.ReadFromJsonAsync<JsonElement>();
            switch (tally.GetProperty("state").GetString())
            {
                case "accepted":
                    pending.Remove(p);
                    votesToAcceptance.Add(tally.GetProperty("votes").GetInt32());
                    Publish(p);
                    break;
                case "rejected":
                    pending.Remove(p);
                    break;
                case "superseded":
                    pending.Remove(p);
                    superseded++;
                    break;
            }
        }

        for (var step = 0; step < options.Steps; step++)
        {
            var author = actors[rng.Next(actors.Count)];
            var f = rng.Next(options.Facilities);
            var a = rng.Next(Attributes.Length);
            string value;
            if (author.Role == Role.Honest)
            {
                // Half the time the world has changed at the place the contributor looks; the rest they check the map.
                if (rng.NextDouble() < 0.5)
                {
                    truth[f, a] = PickOther(rng, Attributes[a].Values, truth[f, a]);
                }
                value = rng.NextDouble() < options.HonestAccuracy ? truth[f, a] : PickOther(rng, Attributes[a].Values, truth[f, a]);
                if (value == published[f, a].Value)
                {
                    continue; // nothing to change, as they see it
                }
            }
            else
            {
                value = PickOther(rng, Attributes[a].Values, truth[f, a]);
                if (value == published[f, a].Value)
                {
                    continue;
                }
            }

            using var response = await author.Client.PostAsJsonAsync("/api/v1/proposals", new JsonObject
            {
                ["kind"] = "update",
                ["facility_id"] = facilities[f].ToString(),
                ["changes"] = new JsonObject { [Attributes[a].Name] = Json(a, value) },
                ["comment"] = "Seen on site",
            });
            response.EnsureSuccessStatusCode();
            var created = await response.Content.ReadFromJsonAsync<JsonElement>();
            var proposal = new Proposal(created.GetProperty("id").GetGuid(), author, f, a, value, value == truth[f, a]);
            proposals++;
            if (author.Role == Role.Honest && proposal.TrueAtCreation)
            {
                honestCorrect++;
            }
            else if (author.Role != Role.Honest)
            {
                adversaryProposals++;
            }
            if (created.GetProperty("state").GetString() == "accepted")
            {
                atOnce++;
                Publish(proposal);
            }
            else
            {
                pending.Add(proposal);
                if (author.Role == Role.Ring)
                {
                    foreach (var mate in actors.Where(x => x.Role == Role.Ring && x.Ring == author.Ring))
                    {
                        await VoteAsync(mate, proposal);
                    }
                }
                // Reviewers pass by: each looks at the new proposal and at one older pending one.
                foreach (var reviewer in actors.OrderBy(_ => rng.Next()).Take(options.ReviewersPerProposal))
                {
                    await VoteAsync(reviewer, proposal);
                    if (pending.Count > 0)
                    {
                        await VoteAsync(reviewer, pending[rng.Next(pending.Count)]);
                    }
                }
            }

            if (step % 10 == 0)
            {
                wrongSum += WrongShare(published, truth).Wrong;
                samples++;
            }
        }

        // The queue is worked to the end by honest reviewers, so every proposal made is decided.
        foreach (var p in pending.ToList())
        {
            foreach (var reviewer in honest.OrderBy(_ => rng.Next()).Take(12))
            {
                await VoteAsync(reviewer, p);
            }
        }

        await CheckAgainstDatabaseAsync(database, facilities, published);
        var (wrong, stale) = WrongShare(published, truth);
        votesToAcceptance.Sort();
        foreach (var actor in actors)
        {
            actor.Client.Dispose();
        }
        admin.Dispose();
        return new RunResult(proposals, wrong, samples == 0 ? wrong : wrongSum / samples, stale, honestCorrect, honestAccepted,
            honestCorrect == 0 ? 1 : (double)honestAccepted / honestCorrect, proposals == 0 ? 0 : (double)atOnce / proposals,
            votesToAcceptance.Count == 0 ? 0 : votesToAcceptance.Average(),
            votesToAcceptance.Count == 0 ? 0 : votesToAcceptance[votesToAcceptance.Count / 2],
            adversaryProposals, adversaryAccepted, clock.Elapsed);
    }

    private static (double Wrong, double Stale) WrongShare((string Value, bool RightWhenPublished)[,] published, string[,] truth)
    {
        int wrong = 0, stale = 0;
        for (var f = 0; f < truth.GetLength(0); f++)
        {
            for (var a = 0; a < truth.GetLength(1); a++)
            {
                if (published[f, a].Value != truth[f, a])
                {
                    if (published[f, a].RightWhenPublished)
                    {
                        stale++;
                    }
                    else
                    {
                        wrong++;
                    }
                }
            }
        }
        var cells = (double)truth.Length;
        return (wrong / cells, stale / cells);
    }

    // The simulation's idea of the published layer must be what the API really published.
    private static async Task CheckAgainstDatabaseAsync(TestDatabase database, Guid[] facilities, (string Value, bool RightWhenPublished)[,] published)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select id, wheelchair, access, coalesce(fee::text, ''), coalesce(changing_table::text, '') from facilities");
        var index = facilities.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        await using var reader = await command.ExecuteReaderAsync();
        var mismatches = 0;
        while (await reader.ReadAsync())
        {
            var f = index[reader.GetGuid(0)];
            for (var a = 0; a < Attributes.Length; a++)
            {
                if (reader.GetString(a + 1) != published[f, a].Value)
                {
                    mismatches++;
                }
            }
        }
        if (mismatches > 0)
        {
            throw new InvalidOperationException($"{mismatches} published values differ from what the API's answers said was accepted.");
        }
    }

    private static JsonValue Json(int attribute, string value) =>
        Attributes[attribute].Values is ["true", "false"] ? JsonValue.Create(value == "true") : JsonValue.Create(value);

    private static string Pick(Random rng, string[] values) => values[rng.Next(values.Length)];

    private static string PickOther(Random rng, string[] values, string not)
    {
        var others = values.Where(v => v != not).ToArray();
        return others[rng.Next(others.Length)];
    }

    private static async Task<JsonElement> PostAsync(HttpClient client, string url, JsonObject body)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {url} answered {(int)response.StatusCode}: {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<HttpClient> LoginAsync(WebApplicationFactory<Program> app, HttpClient anonymous, string email, string password)
    {
        var tokens = await PostAsync(anonymous, "/api/v1/auth/login", new JsonObject { ["email"] = email, ["password"] = password });
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        return client;
    }
}
