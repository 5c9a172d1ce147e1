using Facilities.Api.Data;
using Mediator;

namespace Facilities.Api.Web;

/// <summary>A request that writes: its handler runs inside the scope's <see cref="UnitOfWork"/>.</summary>
public interface IWriteCommand;

/// <summary>
/// Opens the transaction of a command (<see cref="IWriteCommand"/>), commits it when the handler returns and rolls it
/// back when it throws; a deadlock or serialization failure runs the command again. A command sent from inside
/// another joins the open transaction: its validator still runs (<see cref="ValidationBehavior{TMessage,TResponse}"/>
/// runs for every request sent), and a failure in it rolls back the outer command's work too.
/// </summary>
public sealed class TransactionBehavior<TMessage, TResponse>(UnitOfWork unitOfWork) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken) =>
        message is IWriteCommand
            ? unitOfWork.RunAsync(ct => next(message, ct), cancellationToken)
            : next(message, cancellationToken);
}
