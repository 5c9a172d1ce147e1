using System.Text.Json.Nodes;
using Facilities.Api.Tests.Partners;

namespace Facilities.Api.Tests.Faults;

/// <summary>
/// An import whose end PostgreSQL refuses to record (here a trigger standing in for any such refusal: a constraint an
/// operator added, a value the driver cannot send) finishes as failed with that reason after its one run. Left
/// running, it was claimed again at once: a second run failed for a reason of its own (the first run's records were
/// there) or, when the refusal came again, ran for ever, holding up every import queued behind it. Its own fixture:
/// the trigger is on the imports table.
/// </summary>
public sealed class ImportEndRefusedTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_import_whose_end_cannot_be_recorded_fails_with_the_reason_and_the_next_import_runs()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Refused end");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Refused end",
            license = "CC-BY-4.0",
            attribution = "test",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        const string Csv = "id,lon,lat,name\nR-1,-1.5,53.4,Refused end toilet\n";
        await Db.ExecuteAsync(fixture.Database, """
            create function refuse_succeeded_imports() returns trigger language plpgsql as $$
            begin
              if new.state = 'succeeded' then raise exception 'imports may not succeed in this test'; end if;
              return new;
            end $$;
            create trigger refuse_succeeded_imports before update on imports for each row execute function refuse_succeeded_imports();
            """);
        try
        {
            // An import run again for ever never finishes: ImportTextAsync gives up waiting and fails the test.
            var import = await partner.ImportTextAsync(dataset, "refused.csv", Csv, dryRun: true);
            var error = (string?)import["error"];
            Assert.True((string?)import["state"] == "failed" && (int?)import["attempts"] == 1, import.ToJsonString());
            Assert.Contains("could not be finished", error, StringComparison.Ordinal);
            Assert.Contains("imports may not succeed in this test", error, StringComparison.Ordinal);
        }
        finally
        {
            await Db.ExecuteAsync(fixture.Database,
                "drop trigger refuse_succeeded_imports on imports; drop function refuse_succeeded_imports()");
        }

        // The runner goes on to the next import.
        var next = await partner.ImportTextAsync(dataset, "next.csv", Csv);
        Assert.Equal("succeeded", (string?)next["state"]);
        Assert.Equal(1, await Db.CountAsync(fixture.Database, "select count(*) from facilities"));
    }
}
