<?php
/**
 * The one way the plugin calls Balas: a JSON POST with the store's plugin token.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * POST <Balas URL>/api/stores/<store id>/<route> with the token as a Bearer token and a JSON body.
 */
final class Balas_WhatsApp_Api {

	/**
	 * Whether the settings hold everything a call needs.
	 *
	 * @param array $settings The plugin's settings.
	 */
	public static function configured( array $settings ): bool {
		return '' !== $settings['balas_url'] && '' !== $settings['store_id'] && '' !== $settings['token'];
	}

	/**
	 * Makes the call; wp_remote_post's answer (or WP_Error) comes back as it is.
	 *
	 * @param array  $settings The plugin's settings (configured() must hold).
	 * @param string $route    The store's route, such as "wordpress/connect".
	 * @param array  $body     What to send, as JSON.
	 * @param int    $timeout  Seconds to wait for Balas.
	 * @return array|WP_Error
	 */
	public static function post( array $settings, string $route, array $body, int $timeout ) {
		$endpoint = untrailingslashit( $settings['balas_url'] ) . '/api/stores/' . rawurlencode( $settings['store_id'] ) . '/' . $route;
		return wp_remote_post(
			$endpoint,
			array(
				'timeout'     => $timeout,
				// A redirect would carry the token to an address the admin did not enter.
				'redirection' => 0,
				'headers'     => array(
					'Authorization' => 'Bearer ' . $settings['token'],
					'Content-Type'  => 'application/json',
					'Accept'        => 'application/json',
				),
				'body'        => wp_json_encode( $body ),
				'data_format' => 'body',
			)
		);
	}
}
