//! Reads that arrive together go to the database together. On a deadline
//! day hundreds of officials open a report or their list at the same moment,
//! and each read alone is a round trip to the database (on SQLite, a
//! hand-over to the connection's thread and back, which costs more than the
//! read itself). The reads that arrive while others are out wait, and go as
//! one query; when nobody else is reading, a read goes at once, alone.
//!
//! A read is never answered from before it arrived: its batch is taken from
//! the queue, and its query started, after it joined. Nothing is kept
//! between batches, so there is nothing to go stale across instances.

use std::future::Future;
use std::sync::{Mutex, MutexGuard, PoisonError};

use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Semaphore, oneshot};

/// A kind of read that can be asked many at once.
pub(crate) trait Together: 'static {
    type Question: Clone + Send;
    type Answer: Clone + Send;

    /// One answer for each question, in their order.
    fn read(
        db: &DatabaseConnection, questions: &[Self::Question],
    ) -> impl Future<Output = Result<Vec<Self::Answer>, DbErr>> + Send;
}

/// The batches out at once: one more gathers while one is read, and more
/// would only compete for the same cores and connections.
const BATCHES_IN_FLIGHT: usize = 2;

/// The most questions in one query (the rest wait for the next batch).
const MOST_IN_BATCH: usize = 64;

/// A read's answer, or `Err` when its batch failed: the reader then reads
/// alone, and meets the failure (or the database back) itself.
type Answer<T> = Result<<T as Together>::Answer, ()>;

struct Wanted<T: Together> {
    question: T::Question,
    answer: oneshot::Sender<Answer<T>>,
}

/// The reads of one kind waiting for a batch, and the slots of the batches out.
pub(crate) struct Gathered<T: Together> {
    waiting: Mutex<Vec<Wanted<T>>>,
    slots: Semaphore,
}

impl<T: Together> Default for Gathered<T> {
    fn default() -> Self {
        Gathered { waiting: Mutex::new(Vec::new()), slots: Semaphore::new(BATCHES_IN_FLIGHT) }
    }
}

impl<T: Together> Gathered<T> {
    /// The answer to `question`, read in a batch with the questions waiting
    /// beside it. The reader who gets a free slot reads for everyone waiting;
    /// the others are answered by it, or take the next slot.
    pub(crate) async fn ask(&self, db: &DatabaseConnection, question: T::Question) -> Result<T::Answer, DbErr> {
        let (answer, mut answered) = oneshot::channel();
        self.queue().push(Wanted { question: question.clone(), answer });
        let answer = loop {
            tokio::select! {
                biased;
                answer = &mut answered => break answer,
                _slot = self.slots.acquire() => {
                    let batch = self.take_batch();
                    if batch.is_empty() {
                        // This read is in a batch out already.
                        break (&mut answered).await;
                    }
                    // The oldest waiting: this one too, or in a later round.
                    read_batch::<T>(db, batch).await;
                }
            }
        };
        match answer {
            Ok(Ok(found)) => Ok(found),
            // The batch failed, or the reader of the batch went away (a
            // closed connection drops its request): read alone.
            Ok(Err(())) | Err(_) => T::read(db, std::slice::from_ref(&question))
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| DbErr::Custom("a read alone got no answer".to_owned())),
        }
    }

    fn queue(&self) -> MutexGuard<'_, Vec<Wanted<T>>> {
        // The queue is only pushed to and drained: a panic elsewhere cannot
        // leave it half-changed.
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The oldest reads waiting, as many as one batch holds.
    fn take_batch(&self) -> Vec<Wanted<T>> {
        let mut waiting = self.queue();
        let taken = waiting.len().min(MOST_IN_BATCH);
        waiting.drain(..taken).collect()
    }
}

/// Reads a batch in one query and answers each reader.
async fn read_batch<T: Together>(db: &DatabaseConnection, batch: Vec<Wanted<T>>) {
    let (questions, readers): (Vec<T::Question>, Vec<_>) = batch.into_iter().map(|w| (w.question, w.answer)).unzip();
    match T::read(db, &questions).await {
        Ok(answers) if answers.len() == readers.len() => {
            for (reader, answer) in readers.into_iter().zip(answers) {
                // A reader that went away is not waiting for its answer.
                let _ = reader.send(Ok(answer));
            }
        }
        outcome => {
            if let Err(error) = outcome {
                tracing::debug!(%error, readers = readers.len(), "a batch of reads failed; each reads alone");
            }
            for reader in readers {
                let _ = reader.send(Err(()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;

    impl Together for Echo {
        type Question = i64;
        type Answer = i64;
        async fn read(_: &DatabaseConnection, questions: &[i64]) -> Result<Vec<i64>, DbErr> {
            Ok(questions.to_vec())
        }
    }

    #[test]
    fn a_batch_takes_the_oldest_and_leaves_the_rest_waiting() {
        let reads = Gathered::<Echo>::default();
        let mut receivers = Vec::new();
        for question in 0..(MOST_IN_BATCH as i64 + 3) {
            let (answer, answered) = oneshot::channel();
            receivers.push(answered);
            reads.queue().push(Wanted { question, answer });
        }
        let ids = |batch: Vec<Wanted<Echo>>| batch.into_iter().map(|w| w.question).collect::<Vec<_>>();
        assert_eq!(ids(reads.take_batch()), (0..MOST_IN_BATCH as i64).collect::<Vec<_>>());
        let most = MOST_IN_BATCH as i64;
        assert_eq!(ids(reads.take_batch()), vec![most, most + 1, most + 2]);
        assert!(reads.take_batch().is_empty());
    }
}
