using System.Threading.Channels;
using Facilities.Api.Data;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Nearby;

/// <summary>
/// One degree box of a nearby search: the point its planar order is measured from (the query point, or its copy
/// shifted by 360 degrees for the far side of the antimeridian), the query point geodesic distances are measured
/// to, and how many candidates to take in planar order.
/// </summary>
public readonly record struct CandidateWindow(double PointLon, double Lon, double Lat, Bbox Box, int Candidates, double RadiusM);

/// <summary>A candidate within the radius: the facility and its geodesic distance to the query point.</summary>
public readonly record struct Candidate(FacilityRow Row, double DistanceM);

/// <summary>
/// What one window returned: the candidates within the radius, how many rows the scan gave (all of them, within
/// the radius or not) and the planar distance of the last one, which bounds what a fuller scan could still find.
/// </summary>
public sealed class WindowCandidates
{
    public List<Candidate> WithinRadius { get; } = [];
    public int Rows { get; set; }
    public double LastPlanarDeg { get; set; }
}

/// <summary>
/// Fetches nearby candidates for many requests at once. Each request queues its search; a few fetchers (one per
/// core by default) take everything queued whenever they are free and send it to PostgreSQL in one round trip, as
/// one statement per filter that scans each search's windows in a lateral join. Under light load a fetcher is
/// waiting, so a search goes out alone at once; under heavy load searches queue while the fetchers are busy and go
/// out together. A round trip is what the API spends most of its own time on (bench.sh measured each Npgsql round
/// trip on these machines), and PostgreSQL runs a batch of scans for less than the same scans one by one. No
/// search ever waits for others to arrive.
/// </summary>
public sealed class NearbyCandidates : IAsyncDisposable
{
    /// <summary>
    /// The windows of every search with one filter, as parallel arrays ($7..$15, one element per window): the
    /// point the planar order is measured from, the query point, the box, the candidate count. For each window
    /// the lateral subquery is the KNN scan of the GiST index on geometry (KNN on geography is ten times slower,
    /// see docs/spatial-queries.md) restricted to a box that surely contains the radius, with the geodesic distance
    /// computed for just the rows it returns. The window's ordinal comes last, to give each row back to its search.
    /// $1..$6 are the filter's (<see cref="FacilityFilter.SqlCondition"/>). Runs on generic plans: whatever the
    /// values, the plan is the same nested loop over the windows into the same index scan.
    /// </summary>
    public static string Sql(FacilityFilter filter) =>
        "select c.*, w.ordinal " +
        "from unnest($7::float8[], $8::float8[], $9::float8[], $10::float8[], $11::float8[], $12::float8[], " +
        "$13::float8[], $14::float8[], $15::int[]) with ordinality " +
        "as w(point_lon, point_lat, lon, lat, min_lon, min_lat, max_lon, max_lat, candidates, ordinal) " +
        "cross join lateral (" +
        "select " + FacilityRow.Columns + ", " +
        "ST_Distance(f.geom::geography, ST_SetSRID(ST_MakePoint(w.lon, w.lat), 4326)::geography) as distance_m, " +
        "f.geom <-> ST_SetSRID(ST_MakePoint(w.point_lon, w.point_lat), 4326) as planar_deg " +
        "from facilities f " +
        "where f.geom && ST_MakeEnvelope(w.min_lon, w.min_lat, w.max_lon, w.max_lat, 4326) and " + filter.SqlCondition() + " " +
        "order by f.geom <-> ST_SetSRID(ST_MakePoint(w.point_lon, w.point_lat), 4326) " +
        "limit w.candidates) c";

    /// <summary>
    /// At most this many windows in one round trip: enough to absorb the queue at the peak on two cores (bench.sh),
    /// few enough that the last search of a batch does not wait long for the first ones.
    /// </summary>
    public const int MaxWindowsPerRoundTrip = 32;

    /// <summary>
    /// At most this many candidates in one round trip, unless one search alone asks for more: as many first scans
    /// of a default nearby request as a round trip takes windows.
    /// </summary>
    public static readonly int MaxCandidatesPerRoundTrip = MaxWindowsPerRoundTrip * NearbyHandler.FirstCandidateCount(NearbyQuery.DefaultLimit);

    private readonly GenericPlanDataSource database;
    private readonly Channel<Search> queue = Channel.CreateUnbounded<Search>();
    private readonly Task[] fetchers;
    private long roundTrips;
    private long searches;

    /// <param name="database">The pool the statements run on.</param>
    /// <param name="fetchers">How many statements may be in flight at once (at least one).</param>
    public NearbyCandidates(GenericPlanDataSource database, int fetchers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fetchers, 1);
        this.database = database;
        // The fetchers serve every request, so they must not carry the async-local state (the current activity,
        // a request's context) of whoever happened to create them.
        using (ExecutionContext.SuppressFlow())
        {
            this.fetchers = Enumerable.Range(0, fetchers).Select(_ => Task.Run(FetchQueuedAsync)).ToArray();
        }
    }

    /// <summary>The configuration key for the number of fetchers (Nearby__Fetchers in the environment).</summary>
    public const string FetchersSetting = "Nearby:Fetchers";

    /// <summary>
    /// One fetcher per core by default: PostgreSQL runs a statement on one core, and fewer statements in flight
    /// make bigger batches. Measured on 2 cores (bench.sh, open loop at half the peak): 4 fetchers left the p99 at
    /// 20-34 ms, 1 at 15-21 ms and 2 at 11-13 ms in most rounds, all with the same peak; 2 rather than 1 also keeps
    /// one slow search (a wide radius that needs thousands of candidates) from holding up every other.
    /// </summary>
    public static int DefaultFetchers => Environment.ProcessorCount;

    /// <summary>How many searches went out in how many round trips since start: the batching at work.</summary>
    public (long Searches, long RoundTrips) Counts => (Interlocked.Read(ref searches), Interlocked.Read(ref roundTrips));

    /// <summary>The candidates of each window, in the order given.</summary>
    public Task<WindowCandidates[]> FetchAsync(FacilityFilter filter, IReadOnlyList<CandidateWindow> windows, CancellationToken cancellationToken)
    {
        var search = new Search(filter, windows, cancellationToken);
        ObjectDisposedException.ThrowIf(!queue.Writer.TryWrite(search), this);
        return search.Done.Task.WaitAsync(cancellationToken);
    }

    private async Task FetchQueuedAsync()
    {
        var taken = new List<Search>();
        Search? carried = null;
        while (true)
        {
            Search first;
            if (carried is not null)
            {
                first = carried;
                carried = null;
            }
            else
            {
                try
                {
                    // ReadAsync, not WaitToReadAsync: a queued search wakes one idle fetcher, not all of them.
                    first = await queue.Reader.ReadAsync();
                }
                catch (ChannelClosedException)
                {
                    return;
                }
            }

            taken.Clear();
            var windows = 0;
            var candidates = 0;
            for (var search = first; search is not null; search = queue.Reader.TryRead(out var next) ? next : null)
            {
                // A search whose request has gone (the client hung up) is not worth a scan.
                if (search.Cancellation.IsCancellationRequested)
                {
                    continue;
                }
                // The first search always goes; a later one that would make the round trip too big goes first in the
                // next one, so a wide search (thousands of candidates) mostly goes alone and holds up few others.
                if (taken.Count > 0 && (windows + search.Windows.Count > MaxWindowsPerRoundTrip
                                        || candidates + search.Candidates > MaxCandidatesPerRoundTrip))
                {
                    carried = search;
                    break;
                }
                taken.Add(search);
                windows += search.Windows.Count;
                candidates += search.Candidates;
            }
            if (taken.Count == 0)
            {
                continue;
            }
            try
            {
                await SendAsync(taken);
                Interlocked.Increment(ref roundTrips);
                Interlocked.Add(ref searches, taken.Count);
                foreach (var search in taken)
                {
                    search.Done.TrySetResult(search.Results);
                }
            }
            catch (Exception e)
            {
                foreach (var search in taken)
                {
                    // A request that has gone no longer awaits its search: cancel rather than leave an exception
                    // nobody observes.
                    if (search.Cancellation.IsCancellationRequested)
                    {
                        search.Done.TrySetCanceled(search.Cancellation);
                    }
                    else
                    {
                        search.Done.TrySetException(e);
                    }
                }
            }
        }
    }

    /// <summary>One statement per distinct filter among the searches, all in one batch.</summary>
    private async Task SendAsync(List<Search> taken)
    {
        var groups = taken.GroupBy(s => s.FilterKey).Select(g => g.ToList()).ToList();
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        var owners = new List<List<(Search Search, int Window)>>();
        foreach (var group in groups)
        {
            var command = new NpgsqlBatchCommand(Sql(group[0].Filter));
            group[0].Filter.AddParameters(command.Parameters);
            var windows = group.SelectMany(s => s.Windows.Select((w, i) => (Search: s, Window: i, Value: w))).ToList();
            // $7..$14 in the order of Sql's unnest: the point the planar order is measured from (only its longitude
            // differs from the query point's, on the far side of the antimeridian), the query point, the box.
            foreach (var column in (Func<CandidateWindow, double>[])
                     [w => w.PointLon, w => w.Lat, w => w.Lon, w => w.Lat, w => w.Box.MinLon, w => w.Box.MinLat, w => w.Box.MaxLon, w => w.Box.MaxLat])
            {
                command.Parameters.Add(new NpgsqlParameter<double[]>
                {
                    TypedValue = windows.Select(w => column(w.Value)).ToArray(),
                    NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Double,
                });
            }
            command.Parameters.Add(new NpgsqlParameter<int[]>
            {
                TypedValue = windows.Select(w => w.Value.Candidates).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer,
            });
            batch.BatchCommands.Add(command);
            owners.Add(windows.Select(w => (w.Search, w.Window)).ToList());
        }

        await using var reader = await batch.ExecuteReaderAsync();
        var distanceColumn = FacilityRow.ColumnCount;
        var planarColumn = distanceColumn + 1;
        var ordinalColumn = distanceColumn + 2;
        foreach (var windowOwners in owners)
        {
            while (await reader.ReadAsync())
            {
                var (search, window) = windowOwners[(int)reader.GetInt64(ordinalColumn) - 1];
                var result = search.Results[window];
                result.Rows++;
                // Rows come in planar order within a window, but the outer query does not promise it: keep the largest.
                result.LastPlanarDeg = Math.Max(result.LastPlanarDeg, reader.GetDouble(planarColumn));
                var distance = reader.GetDouble(distanceColumn);
                // Rows beyond the radius still count (they bound the search) but are not worth decoding.
                if (distance <= search.Windows[window].RadiusM)
                {
                    result.WithinRadius.Add(new Candidate(FacilityRow.Read(reader), distance));
                }
            }
            await reader.NextResultAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(fetchers);
    }

    private sealed class Search(FacilityFilter filter, IReadOnlyList<CandidateWindow> windows, CancellationToken cancellation)
    {
        public FacilityFilter Filter { get; } = filter;
        public string FilterKey { get; } = filter.SqlKey();
        public IReadOnlyList<CandidateWindow> Windows { get; } = windows;
        public CancellationToken Cancellation { get; } = cancellation;
        public WindowCandidates[] Results { get; } = windows.Select(_ => new WindowCandidates()).ToArray();
        public int Candidates { get; } = windows.Sum(w => w.Candidates);

        // Completed by a fetcher; the request continues on the thread pool, not on the fetcher's thread, so the
        // other searches of the batch are not held up by this one's JSON.
        public TaskCompletionSource<WindowCandidates[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
