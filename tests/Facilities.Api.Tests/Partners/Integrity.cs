using Facilities.Testing;

namespace Facilities.Api.Tests.Partners;

/// <summary>
/// The references the writers keep without foreign keys (migration 0009_writer_kept_references.sql): every
/// provenance row, version and source record points at rows that exist. Called at the end of the tests that write
/// the most kinds of rows: imports with merges, removals at source, review resolutions, the bulk writer.
/// </summary>
public static class Integrity
{
    private static readonly (string Reference, string Sql)[] References =
    [
        ("facility_provenance.facility_id", "select count(*) from facility_provenance p where not exists (select 1 from facilities f where f.id = p.facility_id)"),
        ("facility_provenance.source_record_id", "select count(*) from facility_provenance p where p.source_record_id is not null and not exists (select 1 from source_records s where s.id = p.source_record_id)"),
        ("facility_versions.facility_id", "select count(*) from facility_versions v where not exists (select 1 from facilities f where f.id = v.facility_id)"),
        ("facility_versions.source_dataset_id", "select count(*) from facility_versions v where v.source_dataset_id is not null and not exists (select 1 from datasets d where d.id = v.source_dataset_id)"),
        ("source_records.dataset_id", "select count(*) from source_records s where not exists (select 1 from datasets d where d.id = s.dataset_id)"),
        ("source_records.facility_id", "select count(*) from source_records s where s.facility_id is not null and not exists (select 1 from facilities f where f.id = s.facility_id)"),
    ];

    public static async Task AssertReferencesHoldAsync(TestDatabase database)
    {
        foreach (var (reference, sql) in References)
        {
            Assert.True(await Db.CountAsync(database, sql) == 0, $"{reference} points at rows that do not exist");
        }
        // Not vacuous: the test wrote rows of each table.
        Assert.True(await Db.CountAsync(database, "select count(*) from facility_provenance where source_record_id is not null") > 0);
        Assert.True(await Db.CountAsync(database, "select count(*) from facility_versions where source_dataset_id is not null") > 0);
    }
}
