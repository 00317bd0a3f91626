export async function* serverSentEvents(chunks) {
    const decoder = new TextDecoder();
    let buffer = '';
    let message = { data: [] };
    for await (const chunk of chunks) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
            if (line === '') {
                if (message.data.length > 0) {
                    const out = { event: message.event ?? 'message', data: message.data.join('\n') };
                    if (message.id !== undefined)
                        out.id = message.id;
                    yield out;
                }
                message = { data: [] };
                continue;
            }
            if (line.startsWith(':'))
                continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data')
                message.data.push(value);
            else if (field === 'id')
                message.id = value;
            else if (field === 'event')
                message.event = value;
        }
    }
}
//# sourceMappingURL=server-sent-events.js.map