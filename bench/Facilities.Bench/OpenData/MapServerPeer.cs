using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Facilities.Bench.OpenData;

/// <summary>
/// The server a city GIS team would run instead, over the same facilities table: MapServer 8 from Debian
/// (<c>cgi-mapserver</c>) serving OGC API – Features, as FastCGI processes started by <c>spawn-fcgi</c> behind
/// <c>nginx</c> on a loopback port, the way MapServer's documentation deploys it. Everything is written into the
/// benchmark's work folder and started and stopped by the benchmark; bench.sh installs the three packages.
/// </summary>
public sealed class MapServerPeer : IAsyncDisposable
{
    public const string Mapserv = "/usr/lib/cgi-bin/mapserv";

    /// <summary>The mapfile alias in the URL: /mapserv/{alias}/ogcapi/...</summary>
    private const string Alias = "facilities";

    private readonly Process _nginx;
    private readonly IReadOnlyList<int> _fastCgiPids;

    private MapServerPeer(Process nginx, IReadOnlyList<int> fastCgiPids, Uri landingPage)
    {
        _nginx = nginx;
        _fastCgiPids = fastCgiPids;
        LandingPage = landingPage;
    }

    /// <summary>The OGC API landing page: /collections/{id}/items follows it as on /ogc.</summary>
    public Uri LandingPage { get; }

    /// <summary>
    /// The layer's columns are the properties our items carry (gender joined with ';' and attributes as text, which
    /// MapServer has no type for). MapServer wraps this statement in its own (ST_Intersects with the bbox or the
    /// layer's extent, a count for numberMatched, a limit); <c>using unique id</c> makes the uuid the feature id,
    /// looked up through the primary key. No ORDER BY, as a mapfile is written: MapServer has no sorting, and an
    /// ordered subquery makes its count sort the whole table, so its pages come in table order, not id order.
    /// CLOSE_CONNECTION=DEFER keeps each FastCGI process's database connection open between requests, as
    /// MapServer's FastCGI set-up recommends.
    /// </summary>
    public static string Mapfile(Uri landingPage, string postgisConnection) => string.Create(CultureInfo.InvariantCulture, $$"""
        MAP
          NAME "facilities"
          EXTENT -180 -90 180 90
          PROJECTION
            "init=epsg:4326"
          END
          WEB
            METADATA
              "ows_title" "Facilities"
              "ows_abstract" "The merged open layer of facilities, from the same table as the Facilities API."
              "oga_enable_request" "*"
              "oga_onlineresource" "{{landingPage}}"
              "oga_html_template_directory" "/usr/share/mapserver/ogcapi/templates/html-plain/"
              "oga_default_limit" "100"
              "oga_max_limit" "10000"
              "ows_srs" "EPSG:4326"
            END
          END
        {{Layer("facilities", "All facilities", "", postgisConnection)}}
        {{Layer("toilet", "Toilets", " and category = 'toilet'", postgisConnection)}}
        END
        """);

    private static string Layer(string name, string title, string filter, string postgisConnection) => $$"""
          LAYER
            NAME "{{name}}"
            TYPE POINT
            STATUS ON
            CONNECTIONTYPE POSTGIS
            CONNECTION "{{postgisConnection}}"
            PROCESSING "CLOSE_CONNECTION=DEFER"
            DATA "geom from (select id, category, name, operator, status, status_until, access, fee, charge, opening_hours, wheelchair, changing_table, adult_changing_table, array_to_string(gender, ';') as gender, key_scheme, official_grade, attributes::text as attributes, confidence, last_verified_at, version, updated_at, geom from facilities where status <> 'removed'{{filter}}) as t using unique id using srid=4326"
            PROJECTION
              "init=epsg:4326"
            END
            METADATA
              "ows_title" "{{title}}"
              "ows_abstract" "{{title}} of the merged open layer."
              "ows_extent" "-180 -90 180 90"
              "gml_include_items" "all"
              "gml_featureid" "id"
              "gml_types" "auto"
            END
            TEMPLATE "ogcapi"
          END
        """;

    /// <summary>
    /// nginx in the foreground as a child of this process, its files in <paramref name="folder"/>. No temporary files
    /// for FastCGI answers (buffers up to 4 MiB, then passed through), no access log: what the API does not pay either.
    /// </summary>
    private static string NginxConf(string folder, int port, int fastCgiPort, string configFile) => string.Create(CultureInfo.InvariantCulture, $$"""
        worker_processes auto;
        daemon off;
        pid {{folder}}/nginx.pid;
        error_log {{folder}}/nginx-error.log warn;
        events { worker_connections 1024; }
        http {
          access_log off;
          client_body_temp_path {{folder}}/client_body;
          fastcgi_temp_path {{folder}}/fastcgi;
          proxy_temp_path {{folder}}/proxy;
          uwsgi_temp_path {{folder}}/uwsgi;
          scgi_temp_path {{folder}}/scgi;
          upstream mapserv { server 127.0.0.1:{{fastCgiPort}}; keepalive 16; }
          server {
            listen 127.0.0.1:{{port}};
            location /mapserv/ {
              fastcgi_split_path_info ^(/mapserv)(/.*)$;
              fastcgi_pass mapserv;
              fastcgi_keep_conn on;
              fastcgi_buffers 64 64k;
              fastcgi_max_temp_file_size 0;
              fastcgi_param SCRIPT_NAME $fastcgi_script_name;
              fastcgi_param PATH_INFO $fastcgi_path_info;
              fastcgi_param QUERY_STRING $query_string;
              fastcgi_param REQUEST_METHOD $request_method;
              fastcgi_param CONTENT_TYPE $content_type;
              fastcgi_param CONTENT_LENGTH $content_length;
              fastcgi_param REQUEST_URI $request_uri;
              fastcgi_param SERVER_PROTOCOL $server_protocol;
              fastcgi_param SERVER_NAME 127.0.0.1;
              fastcgi_param SERVER_PORT $server_port;
              fastcgi_param REMOTE_ADDR $remote_addr;
              fastcgi_param HTTP_ACCEPT $http_accept;
              fastcgi_param MAPSERVER_CONFIG_FILE {{configFile}};
            }
          }
        }
        """);

    /// <param name="processes">MapServer FastCGI processes: each answers one request at a time.</param>
    public static async Task<MapServerPeer> StartAsync(string folder, string connectionString, int processes, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var fastCgiPort = FreePort();
        var landing = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/mapserv/{Alias}/ogcapi"));
        var db = new NpgsqlConnectionStringBuilder(connectionString);
        var postgis = string.Create(CultureInfo.InvariantCulture, $"host={db.Host} port={db.Port} dbname={db.Database} user={db.Username}") +
                      (string.IsNullOrEmpty(db.Password) ? "" : $" password={db.Password}");
        var mapfile = Path.Combine(folder, "facilities.map");
        await File.WriteAllTextAsync(mapfile, Mapfile(landing, postgis), ct);
        // MapServer 8 reads its configuration file first; MAPS names the mapfile behind the URL's alias.
        var configFile = Path.Combine(folder, "mapserver.conf");
        await File.WriteAllTextAsync(configFile, $"CONFIG\n  MAPS\n    {Alias} \"{mapfile}\"\n  END\nEND\n", ct);
        await File.WriteAllTextAsync(Path.Combine(folder, "nginx.conf"), NginxConf(folder, port, fastCgiPort, configFile), ct);

        var pidFile = Path.Combine(folder, "mapserv.pids");
        // Through sh, so that what spawn-fcgi and the processes it forks print goes to a file: they would hold a pipe
        // of ours open for as long as they run.
        var log = Path.Combine(folder, "spawn-fcgi.log");
        var spawn = new ProcessStartInfo("sh",
            ["-c", "exec spawn-fcgi \"$@\" > \"$0\" 2>&1", log, "-a", "127.0.0.1", "-p", fastCgiPort.ToString(CultureInfo.InvariantCulture),
             "-F", processes.ToString(CultureInfo.InvariantCulture), "-P", pidFile, "--", Mapserv])
        {
            UseShellExecute = false,
        };
        spawn.Environment["MAPSERVER_CONFIG_FILE"] = configFile;
        using (var spawner = Process.Start(spawn) ?? throw new InvalidOperationException("spawn-fcgi did not start"))
        {
            await spawner.WaitForExitAsync(ct);
            if (spawner.ExitCode != 0)
            {
                throw new InvalidOperationException($"spawn-fcgi failed (exit {spawner.ExitCode}): {await File.ReadAllTextAsync(log, ct)}");
            }
        }
        // spawn-fcgi forks the processes and leaves; the pid file has one line per process.
        var pids = (await File.ReadAllLinesAsync(pidFile, ct)).Where(l => l.Length > 0)
            .Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();

        var nginx = Process.Start(new ProcessStartInfo("nginx", ["-p", folder, "-c", Path.Combine(folder, "nginx.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("nginx did not start");
        nginx.OutputDataReceived += (_, _) => { };
        nginx.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"  [nginx] {line}");
            }
        };
        nginx.BeginOutputReadLine();
        nginx.BeginErrorReadLine();
        var peer = new MapServerPeer(nginx, pids, landing);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(landing + "/collections?f=json"), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return peer;
                }
            }
            catch (HttpRequestException)
            {
            }
            if (nginx.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                await peer.DisposeAsync();
                throw new InvalidOperationException($"MapServer behind nginx did not answer {landing}/collections within 30 s " +
                                                    $"(see {folder}/nginx-error.log).");
            }
            await Task.Delay(200, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nginx.HasExited)
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }
        _nginx.Dispose();
        foreach (var pid in _fastCgiPids)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                await process.WaitForExitAsync();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
