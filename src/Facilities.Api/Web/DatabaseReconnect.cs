using Facilities.Api.Data;

namespace Facilities.Api.Web;

/// <summary>
/// What a request does when PostgreSQL restarted under the pools. Npgsql does not notice that its idle connections
/// died with the server: each one fails on first use. The first such failure clears every pool, so the requests
/// after it open fresh connections, and a GET or HEAD (safe to repeat, and with nothing sent yet) is run once more
/// instead of failing. A write that met the broken connection is not repeated (it may have committed): it is a 503
/// with Retry-After (<see cref="ProblemExceptionHandler"/>), and so is every request while the database is down.
/// </summary>
public static class DatabaseReconnect
{
    /// <summary>What a 503 for an unavailable database asks the client to wait, in seconds.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>What a 503 for a lock wait that ran out asks the client to wait, in seconds.</summary>
    public const int LockRetryAfterSeconds = 2;

    public static IApplicationBuilder UseDatabaseReconnect(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http);
            }
            catch (Exception e) when (DatabaseFaults.IsBrokenConnection(e))
            {
                ClearPools(http.RequestServices);
                if (!(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)) || http.Response.HasStarted
                    || http.RequestAborted.IsCancellationRequested)
                {
                    throw;
                }
                http.Response.Clear();
                await next(http);
            }
        });

    /// <summary>Closes the idle connections of every pool and retires the busy ones when they come back.</summary>
    public static void ClearPools(IServiceProvider services)
    {
        foreach (var pool in DatabaseRegistration.AllPools(services))
        {
            pool.Clear();
        }
    }
}
