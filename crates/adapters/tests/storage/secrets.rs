//! The server's secrets: the first candidate is kept, and every process gets that one.

use clientele_adapters::SeaStorage;
use clientele_adapters::testing::fresh_storage;
use clientele_ports::ServerSecrets;

#[tokio::test]
async fn pl_9_the_first_candidate_is_kept_and_later_ones_get_it() {
    let (storage, _database) = fresh_storage().await;

    let first = storage.secret("cursor_key", &[1; 32]).await.unwrap();
    let second = storage.secret("cursor_key", &[2; 32]).await.unwrap();
    let other = storage.secret("other", &[3; 8]).await.unwrap();

    assert_eq!(first, [1; 32]);
    assert_eq!(second, [1; 32]);
    assert_eq!(other, [3; 8]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pl_4_pl_9_processes_asking_at_once_all_get_the_same_secret() {
    // Arrange: several pools on one database, as several processes would have.
    let (storage, database) = fresh_storage().await;
    let mut pools = vec![storage];
    for _ in 0..3 {
        pools.push(SeaStorage::connect(database.url()).await.unwrap());
    }

    // Act: each offers its own candidate at once.
    let asks: Vec<_> = pools
        .into_iter()
        .zip(0_u8..)
        .map(|(pool, n)| tokio::spawn(async move { pool.secret("cursor_key", &[n; 32]).await }))
        .collect();
    let mut secrets = Vec::new();
    for ask in asks {
        secrets.push(ask.await.unwrap().unwrap());
    }

    // Assert: one of the candidates, the same for all.
    assert!(secrets.iter().all(|s| *s == secrets[0]));
    assert!((0..4).any(|n| secrets[0] == [n; 32]));
}
