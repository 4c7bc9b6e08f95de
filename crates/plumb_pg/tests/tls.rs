//! TLS against the test server, with libpq's sslmode meanings. Whether the server offers TLS
//! depends on its configuration; both cases are checked for what they must do.

use plumb_pg::{ConnectOptions, Session};

fn encrypted(url: &str) -> Result<bool, plumb_pg::PgError> {
    plumb_pg::block_on(async {
        let s = Session::connect(&ConnectOptions::new(url)).await?;
        let row = s
            .client()
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .expect("pg_stat_ssl");
        Ok(row.get::<_, bool>(0))
    })
    .expect("runtime")
}

#[test]
fn sslmodes_behave_like_libpq() {
    let Some(mut master) = plumb_test_support::master() else {
        return;
    };
    let server_ssl: String = master.query_one("SHOW ssl", &[]).unwrap().get(0);
    let base = plumb_test_support::server_url();
    assert!(!encrypted(&format!("{base} sslmode=disable")).unwrap());
    if server_ssl == "on" {
        assert!(encrypted(&format!("{base} sslmode=require")).unwrap());
        assert!(encrypted(&format!("{base} sslmode=prefer")).unwrap());
        // A root store that cannot vouch for the server's certificate.
        let dir = std::env::temp_dir().join(format!("plumb-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, include_str!("data/unrelated-ca.pem")).unwrap();
        let err = encrypted(&format!(
            "{base} sslmode=verify-full sslrootcert={}",
            ca.display()
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("cannot connect") && err.to_lowercase().contains("certificate"),
            "{err}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let err = encrypted(&format!("{base} sslmode=require"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot connect"), "{err}");
        assert!(!encrypted(&format!("{base} sslmode=prefer")).unwrap());
    }
    let err = encrypted(&format!(
        "{base} sslmode=verify-full sslrootcert=/nonexistent/ca.pem"
    ))
    .unwrap_err()
    .to_string();
    assert!(err.contains("sslrootcert /nonexistent/ca.pem"), "{err}");
}
