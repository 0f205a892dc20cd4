<?php
/**
 * The call that tells Balas which WordPress site belongs to a store.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST <Balas URL>/api/stores/<store id>/wordpress/connect with the token as a Bearer token
 * and {"site_url": ..., "plugin_version": ...} as JSON. It never throws: the outcome comes
 * back as a result the settings page shows, so a failure never stands in the way of a save.
 */
final class Balas_WhatsApp_Connect {

	/** Seconds to wait for Balas: the admin is waiting for the settings page to reload. */
	const TIMEOUT = 5;

	/**
	 * Calls Balas.
	 *
	 * @param array $settings The plugin's settings (configured() must hold).
	 * @return array{ok: bool, message: string} What to tell the admin.
	 */
	public function connect( array $settings ): array {
		$response = Balas_WhatsApp_Api::post(
			$settings,
			'wordpress/connect',
			array(
				'site_url'       => home_url(),
				'plugin_version' => BALAS_WHATSAPP_VERSION,
			),
			self::TIMEOUT
		);
		if ( is_wp_error( $response ) ) {
			/* translators: %s: the reason, such as a timeout. */
			return self::result( false, sprintf( __( 'Balas could not be reached: %s', 'balas-whatsapp' ), $response->get_error_message() ) );
		}
		$status = (int) wp_remote_retrieve_response_code( $response );
		if ( $status >= 200 && $status < 300 ) {
			/* translators: %s: the store's id in Balas. */
			return self::result( true, sprintf( __( 'Connected to Balas as store %s.', 'balas-whatsapp' ), $settings['store_id'] ) );
		}
		if ( 401 === $status || 403 === $status ) {
			/* translators: %d: the HTTP status. */
			return self::result( false, sprintf( __( 'Balas refused the token (HTTP %d).', 'balas-whatsapp' ), $status ) );
		}
		if ( 404 === $status ) {
			/* translators: %s: the store's id in Balas. */
			return self::result( false, sprintf( __( 'Balas does not know store %s, or does not offer the WordPress connection (HTTP 404).', 'balas-whatsapp' ), $settings['store_id'] ) );
		}
		/* translators: %d: the HTTP status. */
		return self::result( false, sprintf( __( 'Balas answered HTTP %d.', 'balas-whatsapp' ), $status ) );
	}

	/**
	 * The outcome of a call.
	 *
	 * @param bool   $ok      Whether Balas accepted the connection.
	 * @param string $message What to tell the admin.
	 */
	private static function result( bool $ok, string $message ): array {
		return array(
			'ok'      => $ok,
			'message' => $message,
		);
	}
}
