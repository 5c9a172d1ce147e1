using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Proposals;
using FluentValidation;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Facilities.Api.Tests.Contributors;

/// <summary>The transaction seam: a command sent while another's transaction is open joins it, is validated like any
/// command, and takes the outer work down with it when it fails; a deadlock or serialization failure runs the whole
/// work again in a fresh transaction, a few times at most.</summary>
public sealed class CommandTransactionTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    [Fact]
    public async Task A_command_sent_inside_another_runs_its_validator_and_its_failure_rolls_back_both()
    {
        var facility = await fixture.CreateFacilityAsync();
        var user = await fixture.RegisterAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();

        var refused = await Assert.ThrowsAsync<ValidationException>(async () => await unitOfWork.RunAsync(async ct =>
        {
            await sender.Send(new ConfirmCommand(user.Id, facility.ToString(), null), ct);
            // Invalid for its own validator only: a close names no changes.
            return await sender.Send(new CreateProposalCommand(user.Id, "close", facility.ToString(), null, null,
                new JsonObject { ["name"] = "x" }, null, "It is gone"), ct);
        }, default));

        Assert.Contains(refused.Errors, e => e.PropertyName == "changes");
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from confirmations where facility_id = $1", facility));
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from proposals where facility_id = $1 and kind = 'close'", facility));
    }

    [Fact]
    public async Task Commands_sent_inside_another_share_its_transaction_and_commit_with_it()
    {
        var facility = await fixture.CreateFacilityAsync();
        var user = await fixture.RegisterAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();

        var seenOutside = await unitOfWork.RunAsync(async ct =>
        {
            await sender.Send(new ConfirmCommand(user.Id, facility.ToString(), null), ct);
            var report = await sender.Send(new ReportCommand(user.Id, facility.ToString(), "closed", null), ct);
            Assert.Equal("closure_proposed", report.Effect);
            // Not committed by the inner commands: another connection sees none of it yet.
            return await fixture.ScalarAsync("select count(*) from confirmations where facility_id = $1", facility)
                 + await fixture.ScalarAsync("select count(*) from proposals where facility_id = $1 and kind = 'close'", facility);
        }, default);

        Assert.Equal(0, seenOutside);
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from confirmations where facility_id = $1", facility));
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from reports where facility_id = $1", facility));
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from proposals where facility_id = $1 and kind = 'close'", facility));
    }

    [Theory]
    [InlineData("40001")]
    [InlineData("40P01")]
    public async Task A_serialization_failure_or_deadlock_runs_the_work_again_and_only_the_last_attempt_is_kept(string sqlState)
    {
        var facility = await fixture.CreateFacilityAsync();
        var user = await fixture.RegisterAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();

        var attempts = 0;
        var result = await unitOfWork.RunAsync(async ct =>
        {
            attempts++;
            var confirmation = await sender.Send(new ConfirmCommand(user.Id, facility.ToString(), null), ct);
            if (attempts == 1)
            {
                await FailAsync(unitOfWork, sqlState, ct);
            }
            return confirmation;
        }, default);

        Assert.Equal(2, attempts);
        // The first attempt's confirmation was rolled back with it, so the second is not "already confirmed".
        Assert.False(result.AlreadyConfirmed);
        Assert.Equal(1, await fixture.ScalarAsync("select count(*) from confirmations where facility_id = $1", facility));
    }

    [Fact]
    public async Task Work_that_keeps_failing_to_serialize_gives_up_after_a_few_attempts_and_keeps_nothing()
    {
        var facility = await fixture.CreateFacilityAsync();
        var user = await fixture.RegisterAsync();
        await using var scope = fixture.App.Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var unitOfWork = scope.ServiceProvider.GetRequiredService<UnitOfWork>();

        var attempts = 0;
        var failure = await Assert.ThrowsAsync<PostgresException>(async () => await unitOfWork.RunAsync(async ct =>
        {
            attempts++;
            await sender.Send(new ConfirmCommand(user.Id, facility.ToString(), null), ct);
            await FailAsync(unitOfWork, PostgresErrorCodes.SerializationFailure, ct);
            return 0;
        }, default));

        Assert.Equal(PostgresErrorCodes.SerializationFailure, failure.SqlState);
        Assert.Equal(4, attempts);
        Assert.Equal(0, await fixture.ScalarAsync("select count(*) from confirmations where facility_id = $1", facility));
    }

    /// <summary>Raises the failure PostgreSQL would raise for a conflicting transaction, in the open one.</summary>
    private static async Task FailAsync(UnitOfWork unitOfWork, string sqlState, CancellationToken ct)
    {
        await using var fail = new NpgsqlCommand(
            $"do $$ begin raise exception 'conflict staged by the test' using errcode = '{sqlState}'; end $$",
            unitOfWork.Connection, unitOfWork.Transaction);
        await fail.ExecuteNonQueryAsync(ct);
    }
}
