// Follows the change feed of a Facilities service (GET /api/v1/changes) into a GeoJSON file: a mirror of the public
// layer built from nothing but the feed, which ends equal to the layer if and only if the feed is complete.
//
//     dotnet run tools/mirror.cs -- <base-url> <out.geojson> [--follow] [--interval <seconds>] [--limit <n>] [--stop-on-eof]
//
//     dotnet run tools/mirror.cs -- http://localhost:5080 facilities-mirror.geojson            # catch up, then exit
//     dotnet run tools/mirror.cs -- http://localhost:5080 facilities-mirror.geojson --follow   # keep following
//
// Without --follow it reads the feed until it is caught up (last_seq = latest_seq), writes the file and exits.
// With --follow it then polls every --interval seconds (default 5) until Ctrl-C or SIGTERM or, with --stop-on-eof,
// until its standard input closes (how a test or a supervisor stops it); it writes the file whenever it is caught up
// and once more on the way out. --limit is the page size asked for (default 1000, the service allows up to 10000).
//
// The file is the layer as a GeoJSON FeatureCollection sorted by id, like /api/v1/export/facilities.geojson, with
// a foreign member "mirror": {"source", "seq"}; a later run resumes from that seq. It is replaced atomically
// (written beside, then renamed), so a reader never sees half a file.
//
// What it relies on, it checks: entries must arrive with seq = previous + 1 (the service numbers the feed without
// gaps), otherwise it stops with exit code 3 rather than write a mirror that silently lacks a change.
// Applying an entry: created or updated puts the facility's new state in place of the old; removed (or a state whose
// status is removed) takes it out, as the public layer leaves removed facilities out.
//
// Exit codes: 0 done, 1 usage, 2 the output file belongs to another source or is not a mirror, 3 the feed has a gap
// or an unexpected shape, 4 the service cannot be read (without --follow; with it, it retries).
//
// The repository's Directory.Build.props (warnings as errors, analyzers) applies to this file as to any project under
// the root. It uses System.Text.Json's DOM only: no reflection, no packages. File-based apps default to native AOT,
// whose compiler packages restore would download; this one is only ever run, so it opts out and builds offline.

#:property PublishAot=false

using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

if (MirrorOptions.Parse(args) is not { } options)
{
    Console.Error.WriteLine("usage: dotnet run tools/mirror.cs -- <base-url> <out.geojson> [--follow] [--interval <seconds>] [--limit <n>] [--stop-on-eof]");
    return 1;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
if (options.StopOnEof)
{
    _ = Task.Run(async () =>
    {
        using var stdin = Console.OpenStandardInput();
        var buffer = new byte[256];
        while (await stdin.ReadAsync(buffer) > 0)
        {
        }
        await stop.CancelAsync();
    });
}

Mirror mirror;
try
{
    mirror = Mirror.Load(options.Output, options.BaseUrl);
}
catch (MirrorException e)
{
    Console.Error.WriteLine($"mirror: {e.Message}");
    return e.ExitCode;
}

try
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
    http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    var announced = -1L;
    while (true)
    {
        var caughtUp = false;
        try
        {
            caughtUp = await mirror.PollAsync(http, options.Limit, stop.Token);
        }
        catch (HttpRequestException e) when (options.Follow && !stop.IsCancellationRequested)
        {
            Console.Error.WriteLine($"mirror: {e.Message}; retrying in {options.Interval.TotalSeconds:0.#} s");
            caughtUp = true;
        }
        if (caughtUp)
        {
            mirror.Save(options.Output);
            if (mirror.Seq != announced)
            {
                Console.WriteLine($"mirror: seq={mirror.Seq} features={mirror.Count} caught-up");
                announced = mirror.Seq;
            }
            if (!options.Follow)
            {
                return 0;
            }
        }
        await Task.Delay(caughtUp ? options.Interval : TimeSpan.Zero, stop.Token);
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    // Stopped while waiting or in the middle of a request: pages are applied whole, so the state is consistent.
    mirror.Save(options.Output);
    Console.WriteLine($"mirror: seq={mirror.Seq} features={mirror.Count} stopped");
    return 0;
}
catch (MirrorException e)
{
    Console.Error.WriteLine($"mirror: {e.Message}");
    return e.ExitCode;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"mirror: cannot read the feed: {e.Message}");
    return 4;
}

internal sealed record MirrorOptions(string BaseUrl, string Output, bool Follow, TimeSpan Interval, int Limit, bool StopOnEof)
{
    public static MirrorOptions? Parse(string[] args)
    {
        var positional = new List<string>();
        var follow = false;
        var stopOnEof = false;
        var interval = TimeSpan.FromSeconds(5);
        var limit = 1000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--follow":
                    follow = true;
                    break;
                case "--stop-on-eof":
                    stopOnEof = true;
                    break;
                case "--interval" when i + 1 < args.Length
                                      && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                                      && seconds is >= 0 and <= 3600:
                    interval = TimeSpan.FromSeconds(seconds);
                    i++;
                    break;
                case "--limit" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var n) && n > 0:
                    limit = n;
                    i++;
                    break;
                case var arg when arg.StartsWith("--", StringComparison.Ordinal):
                    return null;
                default:
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count != 2 || !Uri.TryCreate(positional[0], UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return null;
        }
        return new MirrorOptions(positional[0].TrimEnd('/'), positional[1], follow, interval, limit, stopOnEof);
    }
}

internal sealed class MirrorException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The mirrored layer: every facility by id, and the seq of the last change applied.</summary>
internal sealed class Mirror
{
    private readonly SortedDictionary<string, JsonObject> _features = new(StringComparer.Ordinal);
    private readonly string _source;

    private Mirror(string source) => _source = source;

    public long Seq { get; private set; }

    public int Count => _features.Count;

    public static Mirror Load(string path, string source)
    {
        var mirror = new Mirror(source);
        if (!File.Exists(path))
        {
            return mirror;
        }
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllBytes(path))?.AsObject() ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new MirrorException(2, $"{path} is not a GeoJSON mirror ({e.Message}); move it away to start a new mirror.");
        }
        if (root["mirror"] is not JsonObject state || state["source"]?.GetValue<string>() is not { } from || state["seq"] is not JsonValue seq)
        {
            throw new MirrorException(2, $"{path} has no \"mirror\" member: it was not written by this tool.");
        }
        if (from != source)
        {
            throw new MirrorException(2, $"{path} mirrors {from}, not {source}.");
        }
        mirror.Seq = seq.GetValue<long>();
        foreach (var feature in root["features"]?.AsArray() ?? [])
        {
            var f = feature!.AsObject();
            mirror._features[f["id"]!.GetValue<string>()] = (JsonObject)f.DeepClone();
        }
        return mirror;
    }

    /// <summary>Reads one page of the feed and applies it; true when the page shows the mirror caught up.</summary>
    public async Task<bool> PollAsync(HttpClient http, int limit, CancellationToken cancellationToken)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"{_source}/api/v1/changes?since={Seq}&limit={limit}");
        using var response = await http.GetAsync(url, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = System.Text.Encoding.UTF8.GetString(body);
            if ((int)response.StatusCode == 400)
            {
                throw new MirrorException(3, $"the service refused since={Seq}: {detail}");
            }
            throw new HttpRequestException($"GET {url} answered {(int)response.StatusCode}: {detail}");
        }

        var page = JsonNode.Parse(body)?.AsObject() ?? throw new MirrorException(3, $"GET {url}: empty answer");
        if (page["changes"] is not JsonArray changes || page["latest_seq"] is not JsonValue latestValue || page["last_seq"] is not JsonValue lastValue)
        {
            throw new MirrorException(3, $"GET {url}: no changes, last_seq and latest_seq members");
        }
        // Apply the whole page to a copy of the state first: a page is applied entirely or not at all.
        var seq = Seq;
        var edits = new List<(string Id, JsonObject? Feature)>(changes.Count);
        foreach (var change in changes)
        {
            var entrySeq = change?["seq"]?.GetValue<long>() ?? throw new MirrorException(3, "an entry without seq");
            if (entrySeq != seq + 1)
            {
                throw new MirrorException(3, $"the feed has a gap: after seq {seq} came {entrySeq}.");
            }
            seq = entrySeq;
            var id = change["facility_id"]?.GetValue<string>() ?? throw new MirrorException(3, $"seq {entrySeq} has no facility_id");
            var kind = change["kind"]?.GetValue<string>();
            var facility = change["facility"] as JsonObject;
            var removed = kind == "removed" || facility is null
                          || facility["properties"]?["status"]?.GetValue<string>() == "removed";
            edits.Add((id, removed ? null : (JsonObject)facility!.DeepClone()));
        }
        foreach (var (id, feature) in edits)
        {
            if (feature is null)
            {
                _features.Remove(id);
            }
            else
            {
                _features[id] = feature;
            }
        }
        Seq = seq;
        if (lastValue.GetValue<long>() != seq)
        {
            throw new MirrorException(3, $"last_seq {lastValue.GetValue<long>()} is not the seq of the last entry, {seq}.");
        }
        return seq >= latestValue.GetValue<long>();
    }

    public void Save(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        using (var stream = File.Create(temporary))
        // Names in Chinese and other scripts stay readable UTF-8 rather than \u escapes; the file is never inlined in HTML.
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", "FeatureCollection");
            w.WriteStartObject("mirror");
            w.WriteString("source", _source);
            w.WriteNumber("seq", Seq);
            w.WriteString("saved_at", DateTime.UtcNow);
            w.WriteEndObject();
            w.WriteStartArray("features");
            foreach (var feature in _features.Values)
            {
                feature.WriteTo(w);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        File.Move(temporary, path, overwrite: true);
    }
}
