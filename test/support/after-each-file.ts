import { readersClosed } from '../../connectors/kafka/topic-reader';

// Topic readers disconnect after their subscriber leaves; let them finish before Jest tears the file down.
afterAll(() => readersClosed());
